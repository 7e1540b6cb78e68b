"""Tests of mailbot.langdetect: the stop-word language guess and BCP 47 tags."""

from __future__ import annotations

import time

import pytest

from mailbot.langdetect import LANGUAGES, guess_language, language_tag

LETTERS = {
    "it": (
        "Gentili signori,\nvi scrivo per ringraziare l'operatrice che mi ha risposto martedì. "
        "Avevo un problema con la bolletta da mesi e nessuno riusciva a capirlo. "
        "Lei ha ascoltato con pazienza e in dieci minuti ha risolto tutto.\n\nCordiali saluti,\nTommaso"
    ),
    "en": (
        "Dear Sirs,\nI am writing to thank the young man who answered my call on Tuesday. "
        "I had been trying to sort out my bill for weeks and nobody could explain it. "
        "He listened to me and fixed it in ten minutes.\n\nKind regards,\nMargaret"
    ),
    "fr": (
        "Madame, Monsieur,\nje vous écris pour remercier la personne qui m'a répondu mardi. "
        "Depuis des mois ma facture était fausse et personne ne comprenait pourquoi. "
        "Elle a pris le temps de tout vérifier avec moi.\n\nCordialement,\nÉlise"
    ),
    "de": (
        "Sehr geehrte Damen und Herren,\nich möchte mich bei der Mitarbeiterin bedanken, die mir am "
        "Dienstag geholfen hat. Meine Rechnung war seit Monaten falsch und niemand konnte mir sagen, "
        "warum. Sie hat alles in zehn Minuten geklärt.\n\nMit freundlichen Grüßen\nJürgen"
    ),
    "es": (
        "Estimados señores:\nles escribo para dar las gracias a la chica que me atendió el martes. "
        "Llevaba meses con un problema en la factura y nadie sabía por qué. "
        "Ella me escuchó con paciencia y lo resolvió todo en diez minutos.\n\nUn saludo,\nCarmen"
    ),
    "pt": (
        "Prezados senhores,\nescrevo para agradecer à atendente que me ajudou na terça-feira. "
        "Eu tinha um problema com a minha fatura há meses e ninguém sabia explicar. "
        "Ela ouviu com muita paciência e resolveu tudo em dez minutos.\n\nAtenciosamente,\nJoão"
    ),
    "nl": (
        "Geachte heer, mevrouw,\nik wil graag de medewerker bedanken die mij dinsdag heeft geholpen. "
        "Mijn rekening klopte al maanden niet en niemand kon het uitleggen. "
        "Hij heeft goed geluisterd en het in tien minuten opgelost.\n\nMet vriendelijke groeten,\nDaan"
    ),
}

SHORT = {
    "it": "Grazie di tutto, siete stati molto gentili con me e con la mia famiglia.",
    "en": "Thank you for all your help, you were very kind to my family and me.",
    "fr": "Merci pour tout, vous avez été très gentils avec moi et avec ma famille.",
    "de": "Vielen Dank für alles, Sie waren sehr freundlich zu mir und meiner Familie.",
    "es": "Gracias por todo, fueron muy amables conmigo y con toda mi familia, de verdad.",
    "pt": "Muito obrigado por tudo, vocês foram muito gentis comigo e com a minha família.",
    "nl": "Bedankt voor alles, jullie waren heel vriendelijk voor mij en mijn familie.",
}


def test_every_language_has_a_letter() -> None:
    assert set(LETTERS) == set(SHORT) == set(LANGUAGES)


@pytest.mark.parametrize("lang", sorted(LETTERS))
def test_a_letter_in_each_language(lang: str) -> None:
    assert guess_language(LETTERS[lang]) == lang


@pytest.mark.parametrize("lang", sorted(SHORT))
def test_one_sentence_in_each_language(lang: str) -> None:
    assert guess_language(SHORT[lang]) == lang


@pytest.mark.parametrize(
    "text",
    [
        "",
        "OK",
        "Grazie!",
        "Tommaso Russo\n+39 333 1234567\nVia Roma 1, Napoli",
        "12/01/2007 10:44 — 49,90 € — ordine 4711",
        "Ciao, thanks",
        # Half Italian, half English: neither is a fair answer.
        "Vi scrivo per ringraziare tutti. I am writing to thank all of you.",
        "日本語の手紙です。ありがとうございました。",
    ],
)
def test_unsure_is_none(text: str) -> None:
    assert guess_language(text) is None


def test_letter_case_and_punctuation_do_not_matter() -> None:
    assert guess_language(LETTERS["fr"].upper()) == "fr"
    assert guess_language("L'operatore, che era gentile, non ha mai perso la pazienza: grazie!") == "it"


def test_linear_in_the_text() -> None:
    # A ratio with a generous factor (no absolute times in tests): ten times the text costs
    # about ten times as much, and text past the first 50,000 characters is not read.
    small = LETTERS["de"] * 20
    big = small * 10

    def cost(text: str) -> float:
        best = float("inf")
        for _ in range(5):
            start = time.perf_counter()
            guess_language(text)
            best = min(best, time.perf_counter() - start)
        return best

    assert len(small) < 50_000 < len(big)
    assert cost(big) < 30 * cost(small)
    assert cost(small * 1000) < 30 * cost(small)


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        ("it", "it"),
        ("pt_br", "pt-BR"),
        ("ZH-hant-tw", "zh-Hant-TW"),
        ("es-419", "es-419"),
        ("de-CH-1901", "de-CH-1901"),
        ("en-US-u-ca-gregory", "en-US-u-ca-gregory"),
        ("en-a-bbb-x-ab-cd", "en-a-bbb-x-ab-cd"),
        ("x-private", "x-private"),
        (" fr ", "fr"),
        ("", None),
        (None, None),
        ("fr-", None),
        ("i-klingon", None),
        ("abcdefghi", None),
        ("en_US.UTF-8", None),
        ('en" onmouseover="alert(1)', None),
        ("javascript:alert(1)", None),
        ("it\nxml:lang", None),
        ("a" * 2 + "-abcdefgh" * 10, None),
    ],
)
def test_language_tags(value: str | None, tag: str | None) -> None:
    assert language_tag(value) == tag
