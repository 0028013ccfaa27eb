"""Plain types, enums, state machines and money. Imports nothing heavy."""
