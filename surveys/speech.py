"""Read-aloud: what each question, option and reply sounds like, made on this machine.

Audio is made with espeak-ng (Debian's `espeak-ng` package: English and Welsh voices, no
network, no third-party service) and encoded to OGG/Opus with `opusenc` (Debian's
`opus-tools`) or `ffmpeg` when either is installed: about 25 KB for a question, playable
in current browsers and what Telegram wants for a voice message. Without an encoder the
WAV espeak-ng writes is served instead (about 14 times larger). Without espeak-ng there is
no audio at all: `Speaker.available` is False, pages show no play button and say why once.

Files are cached on disk under `<data dir>/audio/<survey key>/<version>/<language>/` by
the SHA-256 of the words, made the first time someone asks (or ahead of time with
`carevoice audio make`), and never made twice. Only the words of a survey version
(`speakable`) can be made into audio: a request names a digest, never free text, so
nobody can make the server say anything else or fill its disk.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from surveys.i18n import DEFAULT_LANGUAGE, N_, gettext_for
from surveys.model import Question, QuestionKind, Survey
from surveys.translations import localize

__all__ = [
    "VOICES",
    "AudioCache",
    "AudioFormat",
    "Speaker",
    "SpeechUnavailable",
    "digest",
    "speakable",
    "spoken_question",
]

VOICES: Mapping[str, str] = {"en": "en-gb", "cy": "cy", "ar": "ar"}
"""espeak-ng voice for each language a survey is asked in. A language with no voice here
gets no audio at all (the channels say so kindly): never English audio for its words."""
MAX_WORDS_CHARS = 4000
"""The longest text made into audio (a survey's texts are far shorter)."""
TIMEOUT_SECONDS = 30.0
# Words a young person hears (kept together, for translation).
SAY_CHOOSE = N_("You can say: {options}.")
SAY_PICK_ANY = N_("You can pick any of these: {options}.")
SAY_OR = N_("{first}, or {last}")
SAY_YES_NO = (N_("Yes"), N_("No"))
_DIGEST_CHARS = 24


class SpeechUnavailable(RuntimeError):
    """espeak-ng is not installed, or failed: there is no audio (pages say so)."""


class AudioFormat(StrEnum):
    """What a file is encoded as; the file name's extension."""

    OGG = "ogg"  # Opus in an Ogg container: small; Telegram voice messages
    WAV = "wav"  # what espeak-ng writes: plays everywhere, 14 times the size

    @property
    def media_type(self) -> str:
        return "audio/ogg" if self is AudioFormat.OGG else "audio/wav"


def digest(text: str) -> str:
    """The short hex name of some words (their SHA-256, first 24 hex digits)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:_DIGEST_CHARS]


def _words(label: str) -> str:
    """A label as it is said: a leading emoji is dropped ("🙂 Good" -> "Good")."""
    first, _, rest = label.partition(" ")
    return rest if rest and not any(ch.isalnum() for ch in first) else label


def spoken_question(question: Question, language: str | None = None) -> str:
    """A question as it is read aloud: the words, then what the young person can choose
    (the joining words in `language`; the question itself as given, so pass it localized)."""
    _ = gettext_for(language)
    text = question.text
    if question.kind in (QuestionKind.CHOICE, QuestionKind.MULTI):
        labels = [c.label for c in question.choices]
    elif question.kind is QuestionKind.SCALE:
        labels = [_words(label) for label in question.scale_labels]
    elif question.kind is QuestionKind.YESNO:
        labels = [_(word) for word in SAY_YES_NO]
    else:
        return text
    joined = _(SAY_OR).format(first=", ".join(labels[:-1]), last=labels[-1])
    lead = SAY_PICK_ANY if question.kind is QuestionKind.MULTI else SAY_CHOOSE
    return f"{text}\n{_(lead).format(options=joined)}"


def speakable(survey: Survey, language: str | None = None) -> dict[str, str]:
    """Every piece of a survey that can be heard in `language`, by digest: the intro, each
    question with its options, its help, each option on its own, and the thanks at the end.
    `survey` is the English one; it is localized here."""
    survey = localize(survey, language)
    texts = [survey.intro]
    for question in survey.questions:
        texts.append(spoken_question(question, language))
        if question.help:
            texts.append(question.help)
        texts.extend(c.label for c in question.choices)
    texts.append(survey.thanks)
    return {digest(t): t for t in texts if t}


@dataclass(frozen=True, slots=True)
class Speaker:
    """Turns words into audio with the programs installed here (found on PATH)."""

    espeak: str | None
    opusenc: str | None = None
    ffmpeg: str | None = None
    rate: int = 150  # words a minute: a little slower than espeak-ng's 175, for children

    @classmethod
    def find(cls) -> Speaker:
        """The programs on PATH (any may be missing)."""
        return cls(shutil.which("espeak-ng"), shutil.which("opusenc"), shutil.which("ffmpeg"))

    @property
    def available(self) -> bool:
        return self.espeak is not None

    @property
    def format(self) -> AudioFormat:
        """What this machine makes: Opus when an encoder is installed, else WAV."""
        return AudioFormat.OGG if self.opusenc or self.ffmpeg else AudioFormat.WAV

    @property
    def missing(self) -> str:
        """Why there is no audio, for people who run carevoice."""
        return (
            "read-aloud is off: espeak-ng is not installed "
            "(on Debian or Ubuntu: sudo apt-get install espeak-ng opus-tools)"
        )

    def speaks(self, language: str | None) -> bool:
        """Whether words in `language` can be heard here (espeak-ng has its voice)."""
        return self.available and (language or DEFAULT_LANGUAGE) in VOICES

    def wav(self, text: str, language: str = DEFAULT_LANGUAGE) -> bytes:
        """The words spoken in `language`'s voice, as WAV (SpeechUnavailable: no voice)."""
        if self.espeak is None:
            raise SpeechUnavailable(self.missing)
        voice = VOICES.get(language)
        if voice is None:
            raise SpeechUnavailable(f"no espeak-ng voice for {language!r}")
        words = text[:MAX_WORDS_CHARS]
        command = [self.espeak, "-v", voice, "-s", str(self.rate), "--stdin", "--stdout"]
        return self._run(command, words.encode("utf-8"), "espeak-ng")

    def encode(self, wav: bytes, fmt: AudioFormat) -> bytes:
        """WAV bytes in `fmt` (Opus at 24 kbit/s, plenty for one voice)."""
        if fmt is AudioFormat.WAV:
            return wav
        if self.opusenc:
            command = [self.opusenc, "--quiet", "--bitrate", "24", "-", "-"]
            return self._run(command, wav, "opusenc")
        if self.ffmpeg:
            command = [
                self.ffmpeg, "-loglevel", "error", "-i", "pipe:0",
                "-c:a", "libopus", "-b:a", "24k", "-f", "ogg", "pipe:1",
            ]  # fmt: skip
            return self._run(command, wav, "ffmpeg")
        raise SpeechUnavailable("no Opus encoder: install opus-tools or ffmpeg")

    @staticmethod
    def _run(command: list[str], data: bytes, name: str) -> bytes:
        try:
            done = subprocess.run(
                command, input=data, capture_output=True, timeout=TIMEOUT_SECONDS, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise SpeechUnavailable(f"{name} failed: {type(error).__name__}") from None
        if done.returncode != 0 or not done.stdout:
            raise SpeechUnavailable(f"{name} failed with exit status {done.returncode}")
        return done.stdout


@dataclass(frozen=True, slots=True)
class AudioCache:
    """Audio files on disk, one per survey version, language and words."""

    root: Path
    speaker: Speaker

    def path(self, survey: Survey, language: str, key: str, fmt: AudioFormat) -> Path:
        if language not in VOICES:
            raise SpeechUnavailable(f"no espeak-ng voice for {language!r}")
        return self.root / survey.key / str(survey.version) / language / f"{key}.{fmt.value}"

    def get(
        self, survey: Survey, language: str, key: str, fmt: AudioFormat | None = None
    ) -> Path | None:
        """The file for words of `survey` in `language` named by digest `key`, made if need
        be; None if those words are not in the survey. SpeechUnavailable when it cannot be
        made (espeak-ng missing or failed, or no voice for the language)."""
        text = speakable(survey, language).get(key)
        if text is None:
            return None
        return self.make(survey, language, text, fmt)

    def make(
        self, survey: Survey, language: str, text: str, fmt: AudioFormat | None = None
    ) -> Path:
        """The file for `text` (of `survey`), made now unless it is already on disk."""
        fmt = fmt or self.speaker.format
        target = self.path(survey, language, digest(text), fmt)
        if target.exists():
            return target
        audio = self.speaker.encode(self.speaker.wav(text, language), fmt)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(audio)
            os.replace(temporary, target)  # atomic: a reader never sees half a file
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return target

    def make_all(
        self,
        survey: Survey,
        language: str,
        fmt: AudioFormat | None = None,
        step: Callable[[], None] = lambda: None,
    ) -> Iterator[tuple[str, Path]]:
        """Make every piece of a survey in `language` (those on disk already are kept),
        calling `step` after each."""
        for key, text in speakable(survey, language).items():
            yield key, self.make(survey, language, text, fmt)
            step()
