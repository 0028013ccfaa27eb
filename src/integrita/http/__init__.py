"""HTTP plumbing shared by the API and the pages: request context, the signed-in user, role checks."""
