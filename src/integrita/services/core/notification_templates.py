"""Message templates per language, shared by every capability that notifies customers.

A capability registers its own templates with :func:`register`; :func:`render` fills one in.
"""

from __future__ import annotations

from dataclasses import dataclass

from integrita.errors import InputError

LANGUAGES = ("zh", "en")


@dataclass(frozen=True, slots=True)
class Template:
    subject: str
    body: str


_TEMPLATES: dict[tuple[str, str], Template] = {}


def register(name: str, language: str, subject: str, body: str) -> None:
    _TEMPLATES[(name, language)] = Template(subject, body)


def known(name: str, language: str) -> bool:
    return (name, language) in _TEMPLATES


def render(name: str, language: str, params: dict[str, object]) -> tuple[str, str]:
    """(subject, body) of template ``name`` in ``language`` filled with ``params``."""
    template = _TEMPLATES.get((name, language)) or _TEMPLATES.get((name, "en"))
    if template is None:
        raise InputError(f"no template {name!r} in {language!r}", field="template")
    try:
        return template.subject.format_map(params), template.body.format_map(params)
    except KeyError as exc:
        raise InputError(
            f"template {name!r} needs parameter {exc.args[0]!r}", field="params"
        ) from exc


register(
    "payment_notice",
    "zh",
    "交易提醒",
    "【integrita】您的账户{account_tail}于{time}发起{kind} {amount} {currency}至{to_name}。如非本人操作，请立即致电银行。",
)
register(
    "payment_notice",
    "en",
    "Payment notice",
    "[integrita] Your account {account_tail} is sending {amount} {currency} ({kind}) to {to_name} at {time}. If this was not you, call the bank now.",
)
register(
    "payment_otp",
    "zh",
    "交易验证码",
    "【integrita】验证码{secret_code}，用于确认{amount} {currency}的{kind}，{minutes}分钟内有效。请勿告诉任何人。",
)
register(
    "payment_otp",
    "en",
    "Payment verification code",
    "[integrita] Code {secret_code} confirms your {kind} of {amount} {currency}; valid {minutes} minutes. Never share it.",
)
register(
    "payment_held",
    "zh",
    "交易暂缓",
    "【integrita】您的账户{account_tail}向{to_name}的{amount} {currency}交易已暂缓执行，银行将尽快与您核实。",
)
register(
    "payment_held",
    "en",
    "Payment held",
    "[integrita] Your payment of {amount} {currency} from account {account_tail} to {to_name} is held; the bank will contact you to confirm it.",
)

register(
    "care.survey_invitation",
    "zh",
    "满意度调查邀请",
    "【integrita】尊敬的客户，诚邀您参加满意度调查（问卷{survey_id}），您的意见将帮助我们改进产品与服务。",
)
register(
    "care.survey_invitation",
    "en",
    "Your opinion, please",
    "[integrita] Dear customer, please take part in our satisfaction survey ({survey_id}); your answers help us improve.",
)
register(
    "care.survey_reminder",
    "zh",
    "满意度调查提醒",
    "【integrita】温馨提醒：您尚未完成满意度调查（问卷{survey_id}），期待您的宝贵意见。",
)
register(
    "care.survey_reminder",
    "en",
    "Reminder: satisfaction survey",
    "[integrita] A reminder: your satisfaction survey ({survey_id}) is still open; we would value your answers.",
)
