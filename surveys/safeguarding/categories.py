"""What a worrying answer is about, with a plain-words label for the officer who reads it."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["RiskCategory"]


class RiskCategory(StrEnum):
    """What a worrying answer is about, in the order hits are reported (most urgent first).

    The values are stored with each alert; never rename one. `self_harm`, `harmed_or_abused`,
    `unsafe`, `running_away` and `help_now` are the first five, kept as they were (alerts
    stored before suicide had its own category say `self_harm`).
    """

    SUICIDE = "suicide"
    SELF_HARM = "self_harm"
    SEXUAL_ABUSE = "sexual_abuse"
    GROOMING = "grooming"
    HARMED_OR_ABUSED = "harmed_or_abused"
    DOMESTIC_ABUSE = "domestic_abuse"
    FORCED_MARRIAGE = "forced_marriage"
    CRIMINAL_EXPLOITATION = "criminal_exploitation"
    SECRETS = "secrets"
    CONFINED = "confined"
    NEGLECT = "neglect"
    UNSAFE = "unsafe"
    RUNNING_AWAY = "running_away"
    HOMELESS = "homeless"
    SUBSTANCES = "substances"
    HELP_NOW = "help_now"  # asking for help now, in plain words

    @property
    def label(self) -> str:
        """What the category means, in plain words for an officer."""
        return _LABELS[self]


_LABELS: dict[RiskCategory, str] = {
    RiskCategory.SUICIDE: "Suicidal thoughts or plans",
    RiskCategory.SELF_HARM: "Self-harm",
    RiskCategory.SEXUAL_ABUSE: "Sexual abuse",
    RiskCategory.GROOMING: "Grooming or online exploitation (pictures, meeting, gifts, threats)",
    RiskCategory.HARMED_OR_ABUSED: "Physical harm: injuries, being hit, threats",
    RiskCategory.DOMESTIC_ABUSE: "Domestic abuse at home, seen or heard",
    RiskCategory.FORCED_MARRIAGE: "Forced marriage or FGM",
    RiskCategory.CRIMINAL_EXPLOITATION: "Criminal exploitation: carrying, selling, debts",
    RiskCategory.SECRETS: "An adult telling them to keep secrets",
    RiskCategory.CONFINED: "Locked in, kept in or kept from school",
    RiskCategory.NEGLECT: "Neglect: no food, left alone, caring alone",
    RiskCategory.UNSAFE: "Feels unsafe where they live",
    RiskCategory.RUNNING_AWAY: "Running away or going missing",
    RiskCategory.HOMELESS: "Homeless, or about to lose their home",
    RiskCategory.SUBSTANCES: "Using drugs or alcohol to cope",
    RiskCategory.HELP_NOW: "Asked for help now",
}
