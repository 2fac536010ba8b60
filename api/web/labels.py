"""Words a board reads: forms, audiences, themes, RAG and direction, figures as text."""

from __future__ import annotations

from typing import Final

from surveys.insights.rates import Direction, Rag, as_percent
from surveys.topics import labels as topic_labels
from surveys.topics import topics_of

FORMS: Final = {
    "consultation": "Consultation",
    "feedback": "Feedback",
    "feedback_not_attended": "Feedback, did not attend review",
    "wellbeing": "Wellbeing check",
    "survey": "Survey",
}
AUDIENCES: Final = {
    "child": "children and young people",
    "young_person": "young people",
    "care_leaver": "care leavers",
    "parent": "parents",
    "carer": "foster carers / residential",
    "health": "health",
    "education": "education",
    "professional": "other professionals",
    "parent_of_care_leaver": "parents of care leavers",
}
RAG_TEXT: Final = {  # the colour said in words too: a committee speaks in RAG, a print may be grey
    Rag.GREEN: "Green: on target", Rag.AMBER: "Amber: near target", Rag.RED: "Red: below target",
}
DIRECTION_TEXT: Final = {
    Direction.BETTER: "Better",
    Direction.WORSE: "Worse",
    Direction.SAME: "No clear change",
}
SENTIMENT_WORDS: Final = ((-0.3, "mostly negative"), (-0.05, "a little negative"),
                          (0.05, "mixed"), (0.3, "a little positive"))


def form_label(form: str | None) -> str:
    """"Consultation", "Feedback, did not attend review", or the code tidied up."""
    if form is None:
        return "All forms"
    return FORMS.get(form, form.replace("_", " ").capitalize())


def audience_label(audience: str | None) -> str:
    """"children and young people", "parents", ... or the code tidied up."""
    if audience is None:
        return "everyone"
    return AUDIENCES.get(audience, audience.replace("_", " "))


def row_label(form: str | None, audience: str | None) -> str:
    """How a return-rate row reads: "Consultation: children and young people"."""
    return f"{form_label(form)}: {audience_label(audience)}"


QUESTION_THEMES: Final = {"general": "Other questions"}  # "General" is never shown as a theme


def theme_label(theme: str) -> str:
    """A survey question theme as a board reads it ("Other questions", never "General")."""
    return QUESTION_THEMES.get(theme, theme.replace("_", " ").capitalize())


def quote_about(text: str, theme: str) -> str:
    """What a quote is about, as a board reads it: the care themes its words name (two at
    most: "Health and feelings · Leaving care: money"), else its question's theme, never
    "Other questions" beside words about bills."""
    names = topic_labels()
    found = [names[key] for key in topics_of(text)[:2]]
    return " · ".join(found) if found else theme_label(theme)


CHANNELS: Final = {
    "web": "Web chat", "telegram": "Telegram", "terminal": "Terminal chat",
    "demo": "Demo data", "paper": "Paper", "email": "Email", "phone": "Phone",
    "person": "In person",
}


def channel_label(channel: str | None) -> str:
    """How a young person answered, in words ("Web chat", not "web")."""
    return CHANNELS.get(channel or "", (channel or "not known").replace("_", " ").capitalize())


def percent(value: float | None) -> str:
    """A fraction as a whole percentage ("14%"), or an en dash when there is none."""
    return "–" if value is None else f"{as_percent(value)}%"


def count(value: int | str | None) -> str:
    """A count with thousands separated; "c" (suppressed) and missing stay as they are."""
    if value is None:
        return "–"
    if isinstance(value, int):
        return f"{value:,}"
    return value


def sentiment_words(polarity: float | None) -> str:
    """A mean polarity (-1 to 1) in words: "mostly negative" ... "mostly positive"."""
    if polarity is None:
        return "–"
    for upper, words in SENTIMENT_WORDS:
        if polarity < upper:
            return words
    return "mostly positive"
