"""Flags: requests in a young person's answers (an advocate, to chair, who and where, to
talk to their IRO, something kept private) marked in survey YAML, checked, kept when a
survey is stored, and raised by the answers that make them."""

from __future__ import annotations

import textwrap

import pytest

from surveys.conditions import is_shown
from surveys.errors import SurveyDefinitionError
from surveys.loader import dump_survey_yaml, load_builtin_surveys, parse_survey
from surveys.model import Flag

SURVEY = textwrap.dedent("""\
    key: flags
    version: 1
    title: Flags
    form: consultation
    audience: child
    intro: Hi
    thanks: Thanks
    questions:
      - {id: advocate, kind: yesno, text: Would you like an advocate, flag: advocate}
      - id: who
        kind: multi
        text: Who?
        flag: meeting
        choices:
          - {id: carer, label: My carer}
          - {id: iro, label: My IRO, flag: talk_to_iro}
      - {id: secret, kind: text, text: Anything private, flag: private}
      - {id: mood, kind: scale, text: How are you}
    """)


def test_flags_are_read_and_kept_when_the_survey_is_written_back() -> None:
    survey = parse_survey(SURVEY, "flags.yaml")
    assert survey.question("advocate").flag is Flag.ADVOCATE
    assert survey.question("who").choice("iro").flag is Flag.TALK_TO_IRO  # type: ignore[union-attr]
    assert not survey.question("mood").flagged and survey.question("who").flagged
    assert parse_survey(dump_survey_yaml(survey), "again") == survey


def test_an_unknown_flag_is_named_with_the_ones_allowed() -> None:
    bad = SURVEY.replace("flag: advocate}", "flag: advocat}").replace(
        "flag: talk_to_iro}", "flag: iro}")
    with pytest.raises(SurveyDefinitionError) as caught:
        parse_survey(bad, "flags.yaml")
    text = str(caught.value)
    assert "questions[0].flag" in text and "'advocat'" in text and "advocate" in text
    assert "questions[1].choices[1].flag" in text


def test_which_answers_raise_which_flags() -> None:
    survey = parse_survey(SURVEY, "flags.yaml")
    advocate, who, secret = (survey.question(q) for q in ("advocate", "who", "secret"))
    assert advocate.flags_raised("yes") == (Flag.ADVOCATE,)  # as the engine stores it
    assert advocate.flags_raised("no") == () and advocate.flags_raised(False) == ()
    assert who.flags_raised(("carer",)) == (Flag.MEETING,)
    assert who.flags_raised(("carer", "iro")) == (Flag.MEETING, Flag.TALK_TO_IRO)
    assert secret.flags_raised("Please don't tell my mum") == (Flag.PRIVATE,)
    assert secret.flags_raised("") == () and secret.flags_raised(None) == ()


def test_the_builtin_review_surveys_flag_each_request() -> None:
    builtins = {s.key: s for s in load_builtin_surveys()}
    child = builtins["review-prep-child"]
    raised = {f for q in child.questions if q.flag for f in (q.flag,)}
    assert raised == set(Flag) - {Flag.TALK_TO_WORKER}  # their IRO is who they ask for
    leaver = builtins["pathway-plan-review"]
    assert leaver.question("chair").flag is Flag.CHAIR
    # a care leaver's "get my PA to get in touch" is a request too, listed for officers
    check_in = builtins["wellbeing-16plus"].question("talk_to_pa")
    assert check_in.flags_raised("yes") == (Flag.TALK_TO_WORKER,)
    assert check_in.flags_raised("no") == ()


@pytest.mark.parametrize(
    ("key", "who", "follow_up", "where"),
    [
        ("review-prep-child", "who_at_meeting", "who_else_meeting", True),
        ("review-prep-young-person", "who_at_meeting", "who_else_meeting", True),
        ("pathway-plan-review", "who_at_review", "who_else_review", False),
    ],
)
def test_someone_else_and_somewhere_else_ask_who_and_where(
    key: str, who: str, follow_up: str, where: bool
) -> None:
    """An IRO or PA cannot invite "someone else" or book "somewhere else" without knowing
    who or where: the survey asks, only when that option was chosen, and the answer is a
    meeting request, never quoted to a board (it may name someone)."""
    survey = {s.key: s for s in load_builtin_surveys()}[key]
    asked = survey.question(follow_up)
    assert asked.flag is Flag.MEETING and asked.sensitive
    assert survey.position(follow_up) == survey.position(who) + 1
    assert is_shown(asked, {who: ("carer", "someone_else")})
    assert not is_shown(asked, {who: ("carer",)}) and not is_shown(asked, {})
    assert asked.flags_raised("My nan") == (Flag.MEETING,)
    if where:
        place = survey.question("where_else")
        assert place.flag is Flag.MEETING and place.sensitive
        assert survey.position("where_else") == survey.position("meeting_place") + 1
        assert is_shown(place, {"meeting_place": "somewhere_else"})
        assert not is_shown(place, {"meeting_place": "office"})
