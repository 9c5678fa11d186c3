"""The bot's short conversation, in Russian by default (an organisation overrides any text
in TelegramBot.texts): what the service is and consent first, then what happened, how to
reach the person, and whether it is urgent. Nothing the person writes is stored before they
agree; after that every message joins their intake."""

from __future__ import annotations

import re

# Steps of a BotSession.
NEW = ""
CONSENT = "consent"
DECLINED = "declined"
WHAT = "what"
CONTACT = "contact"
URGENCY = "urgency"
DONE = "done"

INTRO = "intro"
DECLINED_TEXT = "declined"
ASK_WHAT = "ask_what"
ASK_CONTACT = "ask_contact"
ASK_URGENCY = "ask_urgency"
THANKS = "thanks"

DEFAULT_TEXTS: dict[str, str] = {
    INTRO: (
        "Здравствуйте. Мы помогаем людям, которые не хотят участвовать в войне: консультации, "
        "юридическая помощь, помощь с выездом и документами.\n\n"
        "Чтобы помочь, нам нужно сохранить ваши ответы. Они хранятся в зашифрованном виде, и "
        "прочитает их только сотрудник, который возьмёт ваше обращение. Вы согласны? "
        "Напишите «да» или «нет»."
    ),
    DECLINED_TEXT: (
        "Хорошо, мы ничего не сохранили. Если передумаете, просто напишите снова. Если ваш "
        "телефон могут проверить, удалите этот чат."
    ),
    ASK_WHAT: (
        "Спасибо. Коротко расскажите, что случилось и чем мы можем помочь. Пока с вами не "
        "связался сотрудник, не пишите, где вы сейчас и каким путём собираетесь ехать."
    ),
    ASK_CONTACT: (
        "Как с вами лучше связаться? Этот чат, Signal, почта — как вам безопаснее. "
        "Можно написать «этот чат»."
    ),
    ASK_URGENCY: (
        "Это срочно? Напишите «да», если вам грозит опасность в ближайшие дни, иначе «нет»."
    ),
    THANKS: (
        "Спасибо. Ваше обращение передано сотрудникам, ответ придёт в этот чат. Если ваш "
        "телефон могут проверить, удаляйте переписку."
    ),
}
TEXT_KEYS = frozenset(DEFAULT_TEXTS)

YES = re.compile(r"^\s*(да|ага|согласен|согласна|yes|y|так|так\s*є)\b", re.IGNORECASE)
NO = re.compile(r"^\s*(нет|не\s+согласен|не\s+согласна|no|n|ні)\b", re.IGNORECASE)


def text_for(texts: dict, key: str) -> str:
    """The organisation's text for ``key``, or the default."""
    custom = texts.get(key) if isinstance(texts, dict) else None
    return custom.strip() if isinstance(custom, str) and custom.strip() else DEFAULT_TEXTS[key]


def is_yes(text: str) -> bool:
    return bool(YES.match(text))


def is_no(text: str) -> bool:
    return bool(NO.match(text))


def is_command(text: str) -> bool:
    """A bot command (/start …): not the person's words, never stored."""
    return text.startswith("/")
