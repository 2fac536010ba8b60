"""`show_if` conditions: whether a question is shown, given the answers so far."""

from __future__ import annotations

from collections.abc import Mapping

from surveys.model import AnswerValue, Condition, Operator, Question


def holds(condition: Condition, answers: Mapping[str, AnswerValue]) -> bool:
    """True when the earlier answer meets the condition; a skipped answer meets none."""
    if condition.operator is Operator.ANSWERED:
        wanted = condition.value is None or bool(condition.value)
        return (condition.question in answers) == wanted
    if condition.question not in answers:
        return False
    answer = answers[condition.question]
    expected = condition.value
    match condition.operator:
        case Operator.EQUALS:
            return answer == expected
        case Operator.IN:
            return isinstance(expected, tuple) and answer in expected
        case Operator.NOT_IN:
            return isinstance(expected, tuple) and answer not in expected
        case Operator.INCLUDES:
            return isinstance(answer, tuple) and expected in answer
        case Operator.AT_LEAST:
            return _number(answer) >= _number(expected)
        case Operator.AT_MOST:
            return _number(answer) <= _number(expected)
    return False  # pragma: no cover - every operator is handled above


def is_shown(question: Question, answers: Mapping[str, AnswerValue]) -> bool:
    """A question is shown when all its conditions hold."""
    return all(holds(c, answers) for c in question.show_if)


def _number(value: object) -> float:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return float("nan")
    return float("nan")
