"""Build tests/vectors/detect.json: input → expected detection, replayed by the JavaScript port.

Run ``python -m tests.moderation.make_vectors`` after a deliberate change to the detector or its
data, review the diff, and commit it; test_vectors.py fails when the file is stale.
Spans are half-open code-point offsets into the original text (JavaScript converts from UTF-16).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from moderation import default_detector, detect

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors" / "detect.json"
CASES = Path(__file__).resolve().parent / "cases"
FROM_GROUPS = ("heldout", "obfuscation", "personal_data", "negation", "overdose_other",
               "past_reported", "harassment", "supportive", "compositional")

# Inputs that stress the runtimes' differences: astral characters (UTF-16 surrogate pairs),
# combining marks, format characters, casing, digits, breaks and the ambiguous "en".
EXTRA: list[tuple[str, str | None]] = [
    ("💊💊 I took 40 pills 💊", None),
    ("😭 en jaksa enää 😭", None),
    ("𝕀 𝕨𝕒𝕟𝕥 𝕥𝕠 𝕕𝕚𝕖", None),
    ("𝐢𝐭𝐬𝐞𝐦𝐮𝐫𝐡𝐚 käy mielessä", "fi"),
    ("ja\u0308tti\u0308 ja haluun kuolla", "fi"),
    ("e\u0301n halua elää", "fi"),
    ("ＫＹＳ", None),
    ("Straße kill myself", None),
    ("İ want to kill myself", None),
    ("ΚΙLL ΜΥSELF", None),
    ("line one\r\nI want to die\r\n", None),
    ("I want to die.\nNot really, I'm fine", None),
    ("jag har en plan", None),
    ("en plan", None),
    ("I'm not suicidal but I want to die", "en"),
    ("tapa ittes 😂", "fi"),
    ("k\u200by\u200bs", None),
    ("s\u00a0u\u00a0i\u00a0c\u00a0i\u00a0d\u00a0e", None),
    ("suiiiiicide", None),
    ("itsemurhaaaaa", None),
    ("ei\ufe0f hengitä", None),
    ("+358 40 123 4567 ja 131052-308T", None),
    ("sähköposti: ÄIJÄ.mies@esimerkki.fi", None),
    ("Hämeenkatu 10 A 5, Tampere", None),
    ("19811218-9876 och 811218-9875", None),
    ("", None),
    ("   ", None),
    ("1000000000000000000000 pills", None),
    ("took 9 pills", "en"),
    ("took 10 pills", "en"),
    ("I'll kill you", None),
    ("\u202eevil bidi\u202c kill myself", None),
    ("k!ll mys3lf", None),
    ("|<ill myself", None),
    ("kil l myself", None),
    ("k i l l", None),
    ("I am so done. Goodbye everyone. This is goodbye.", None),
    ("viimeinen viesti: hyvästi", "fi"),
    ("hän ei hengitä!!!", "fi"),
    ("är det ingen idé längre?", "sv"),
    ("ΟΔΟΣ ΑΣ kill myself", None),
    ("ﬁne ﬂoor: suicidal", None),
    ("x" * 3 + " itsemurha " + "ä" * 5, None),
    # Language guess and the entry filter (a sure guess drops fi/sv entries of other languages).
    ("jag tog en hel karta sömntabletter för en timme sen", None),
    ("ikväll blir det sewer slide på riktigt, har allt jag behöver", None),
    ("mä en jaksa enää, haluun kuolla", None),
    ("jag vill inte leva längre och jag orkar inte", None),
    ("im not having any thoughts of ending my life", None),
    ("står på bron nu", None),
    ("found a place where I'll do it, going there after midnight", None),
    ("har bestämt mig, på lördag när alla är borta", None),
    ("cut myself again tonight", None),
    # Context rules (issue 13): a laugh lowers a joking threat; quoted harassment is not one.
    ("i'll kill you if you eat my fries lol", None),
    ("mä tapan sut 😂😂", "fi"),
    ("lol i have the pills ready and i'm going to kill myself tonight", None),
    ('someone wrote "kys" to you and that is not ok', None),
    ("någon skrev ”häng dig” till dig, det är fel", "sv"),
    ("kys", None),
    # Conversational context (third round): a "no" to a question, support addressed to the
    # reader, harassment reported to condemn it; and crises in the same frames.
    ("the nurse asked if i have suicidal thoughts. no, honestly. just tired", "en"),
    ("hoitaja kysy onks mulla itsetuhosia ajatuksia. ei oo, oon vaan väsyny", "fi"),
    ("kysy onks mulla itsetuhosia ajatuksia, no on kyl", "fi"),
    ("kysy onks mulla itsetuhosia ajatuksia, no on kyl", None),
    ("sköterskan frågade om jag har självmordstankar. nej, är bara trött", None),
    ("she asked if i wanted to kill myself and no one listened", None),
    ("if you feel you cant go on, ring the crisis line", None),
    ("jos sulla on itsetuhosia ajatuksia, soita kriisipuhelimeen", None),
    ("om du tänker på självmord, ring självmordslinjen", None),
    ("if you leave me tonight i will kill myself", None),
    ("jos sä lähet nyt mä tapan itteni", None),
    ("if someone tells you to kill yourself it's not true", None),
    ("om nån säger åt dig att ta livet av dig så är det inte sant", None),
    ('you wrote yesterday "i dont want to live anymore", how are you today?', None),
    ('kirjotit eilen et "haluun vaan kuolla", miten sä voit tänään?', None),
    ("när du sa ”jag är en börda” blev jag ledsen", None),
    ('i keep thinking "i want to die" all night', None),
    ("you asked earlier if i want to die. i dont, im just sad", None),
    ("im hopeless at cooking, burned the pasta", None),
    # Speech frames (fourth round): someone else's speech verb governs the phrase; the writer's
    # own speech, a threat told to the writer and own words after the frame stay.
    ("people who write kys under posts are the worst", None),
    ("whoever typed hope you die in your dms is a coward", "en"),
    ("ne jotka huutelee tapa ittes on ääliöitä", None),
    ("se tyyppi joka kirjotti sulle hirttäydy bannattiin", "fi"),
    ("strunta i folk som skriver häng dig", None),
    ("kommentarerna som sa hoppas du dör är borta nu", "sv"),
    ("im telling you kys", None),
    ("mä sanon sulle vaan et tapa ittes", None),
    ("jag skriver det igen, ta livet av dig", None),
    ("mun ovella on joku joka huutaa et se tappaa mut, se yrittää murtautua", None),
    ("hon som skrev i morse tror att jag mår bra fast jag vill dö", None),
    ("the nurse who texted this morning thinks im fine but i want to die", None),
    # Indirect emergencies (fourth round) and their everyday look-alikes.
    ("istun autotallissa moottori käynnissä ja ovi kiinni", None),
    ("sitter i garaget med motorn igång och porten stängd", "fi"),
    ("istun raiteilla ja odotan iltajunaa", "sv"),
    ("sitter på rälsen och väntar på tåget", None),
    ("annoin kaikki mun tavarat pois, en tarvii niitä enää", None),
    ("mulla on lääkkeet piilossa ja laskin ne, riittää kyllä", None),
    ("han skriker att han ska döda mig, han är här nu", None),
    ("my ex keeps texting that hes going to hurt me tonight", None),
    ("oon asemalla, seuraava juna tulee 23.10", None),
    ("räknade mina tabletter, det räcker till måndag", None),
    ("they said it gets better but i still want to kill myself", None),
    ("kaikki sanoo et kyl se siitä mut mä haluun kuolla", None),
    ("alla säger att det blir bättre men jag vill dö", "fi"),
    ("vedin överit just äsken", None),
    ("vedin överit kahvia aamulla, nyt tärisee", None),
    ("tänker checka ut för gott ikväll", None),
    ("tekis mieli vetää ittensä hirteen", "sv"),
    ("lämmitän autoa tallissa, ovi on auki", None),
    ('kommentaren "hoppa från taket" är borttagen nu', None),
    ("vika viesti tänään, meen nukkumaan", "sv"),
    ("emmä oo viillelly itteeni, toi on vaan naarmu", None),
    # Sixth round: single quotes (also around a combination), topics, messages as speakers,
    # direct questions and a Finnish "en" alone as the answer; the crises in the same frames.
    ("'hang yourself' is not banter, mods take it seriously", None),
    ("i tråden stod det: 'ingen saknar dig, dö bara'. vi saknar dig", None),
    ("'okej' sa jag, men jag tar livet av mig ikväll", None),
    ("don't say 'kys', it's cruel, and don't you're it's", None),
    ("telling people to kill themselves will get you banned", None),
    ("jos näet kys viestissä, ilmota modeille", "sv"),
    ("om du ser det här tar jag alla mina tabletter ikväll", None),
    ("the comment telling you to kys is gone now", None),
    ("lääkäri kysyi aionko tappaa itteni, en, ja se on totta", None),
    ("kysyit aionko tappaa itteni, en pysty lupaamaan mitään", None),
    ("nån frågade är du självmordsbenägen, och ärligt talat nej", "fi"),
    ("nyt oon selvin päin ja se tuntuu hyvältä", None),
    ("‘kill yourself’ she wrote, ’cause she’s cruel", None),
    ("kys-kommentarer är förbjudna här", None),
    ("kys loser, nobody wants your posts", None),
    # Seventh round: a possessive before the speaker, the quoted speaker's own "i", and the
    # frame head's gate (lowered to 1 with flag "support" only where it vouches); crises stay.
    ("my counsellor says whoever wants to die should ring the line first", None),
    ("mun terapeutti sanoo et jos haluu kuolla, pitää soittaa sille heti", None),
    ("din kompis skriver att hen vill dö, ring efter hjälp", None),
    ('if someone says "i want to die", stay with them and call for help', None),
    ("people who type 'i want to die' need someone to stay with them", "en"),
    ("jos joku sanoo ”mä haluun kuolla”, älä jätä sitä yksin", None),
    ("om någon säger ”jag vill dö”, stanna kvar hos hen", None),
    ('the poster in the clinic says "thinking about suicide? call us"', None),
    ("klinikan julisteessa lukee ”mietitkö itsemurhaa? soita meille”", None),
    ("affischen på mottagningen säger ”tänker du på självmord? ring oss”", "sv"),
    ("saying kys to someone is never a joke", None),
    ("tapa ittes ei oo mikään vitsi, ilmota jos näät", None),
    ("att skriva kys till någon är aldrig ok", None),
    ("ask them straight out if they have thought about suicide", None),
    ("kysykää suoraan onko sillä itsemurha-ajatuksia", None),
    ("fråga mig om jag vill ta livet av mig, svaret är ja", None),
    ("im saying kys to you, loser", None),
    ("my counsellor says it gets better but i want to die", None),
    ("he said 'call me' but im going to kill myself tonight", None),
    ("i told my counsellor i want to kill myself", None),
]


def load_inputs() -> list[tuple[str, str | None]]:
    """Case texts of the chosen groups plus the extra stress inputs, de-duplicated, in order."""
    out: list[tuple[str, str | None]] = []
    for name in FROM_GROUPS:
        for line in (CASES / f"{name}.jsonl").read_text("utf-8").splitlines():
            if line.strip():
                c = json.loads(line)
                out.append((c["text"], c["lang"]))
    out.extend(EXTRA)
    seen: set[tuple[str, str | None]] = set()
    unique = []
    for item in out:
        if item not in seen:
            seen.add(item)
            unique.append(item)
    return unique


def build() -> dict[str, Any]:
    """The vector file's content, computed by the Python detector."""
    vectors = [
        {"text": text, "lang": lang, "expected": detect(text, lang).to_json()}
        for text, lang in load_inputs()
    ]
    det = default_detector()
    model = det._c.model
    scores = []
    if model is not None:
        # Every head's integer score on every vector text: the JS model must give the same.
        seen: set[str] = set()
        for text, _ in load_inputs():
            if text not in seen:
                seen.add(text)
                scores.append({"text": text, "heads": model.head_scores(det.tokens(text))})
    return {
        "about": "Detector vectors: the Python and JavaScript detectors must produce exactly "
                 "'expected' for each text and language hint. Spans are half-open code-point "
                 "offsets into the original text. 'model_scores': every head of the learned "
                 "model on each text. Regenerate: python -m tests.moderation.make_vectors",
        "count": len(vectors),
        "vectors": vectors,
        "model_scores": scores,
    }


def render(content: dict[str, Any]) -> str:
    """Canonical text of the vector file."""
    return json.dumps(content, ensure_ascii=False, indent=1) + "\n"


if __name__ == "__main__":
    VECTORS.parent.mkdir(parents=True, exist_ok=True)
    VECTORS.write_text(render(build()), encoding="utf-8")
    print(f"wrote {VECTORS.relative_to(ROOT)}")
