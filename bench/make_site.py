#!/usr/bin/env python3
"""Generate a synthetic bilingual (en + es) site in echosite's format, for benchmarks.

    python bench/make_site.py --pages 2000 --out bench/sites/p2000

N programmes with M sessions each: a programme page per language
(`content/programmes/<p>/index.<lang>.md`), its calendar (`sessions.yaml`) and a text
per session and language (`sessions/<id>.<lang>.md`), plus a home page, a programmes
overview, a site calendar, an about and a contact page. Each session is published as
one page per language, so a site has 2 × (5 + N × (M + 1)) pages; `--pages` picks N
for the given M (24 by default). Markdown is realistic enough to exercise the engine:
headings, lists, tables, emphasis, block quotes and relative links between pages.
The output is deterministic: the same arguments give the same bytes, and programme i
is the same whatever N is.
"""
from __future__ import annotations

import argparse
import random
import shutil
import sys
from datetime import date, timedelta
from pathlib import Path

LANGS = ("en", "es")
FIXED_PAGES = 5  # home, programmes overview, calendar, about, contact (per language)
DEFAULT_SESSIONS = 24
FIRST_MONDAY = date(2021, 1, 4)

ZONES = ("America/Bogota", "America/Lima", "America/Mexico_City", "America/Asuncion", "America/Sao_Paulo",
         "Africa/Accra", "Africa/Kigali", "Asia/Tbilisi", "Asia/Yangon", "America/Chicago", "Europe/Zurich",
         "Europe/Vienna")
CITIES = (("Cali", "Cali"), ("Arequipa", "Arequipa"), ("León", "León"), ("Asunción", "Asunción"),
          ("Porto Alegre", "Porto Alegre"), ("Kumasi", "Kumasi"), ("Kigali", "Kigali"), ("Tbilisi", "Tiflis"),
          ("Yangon", "Yangón"), ("Chicago", "Chicago"), ("Geneva", "Ginebra"), ("Vienna", "Viena"))

FIELDS = {
    "en": ["pathology", "nursing", "radiotherapy", "palliative care", "paediatric oncology", "cancer registries",
           "surgical oncology", "medical physics", "breast cancer screening", "cervical cancer prevention"],
    "es": ["patología", "enfermería", "radioterapia", "cuidados paliativos", "oncología pediátrica",
           "registros de cáncer", "oncología quirúrgica", "física médica", "cribado del cáncer de mama",
           "prevención del cáncer de cuello uterino"],
}
TOPICS = {
    "en": ["quality systems", "document control", "specimen traceability", "equipment maintenance",
           "staff training", "internal audit", "patient safety", "procurement planning", "clinical pathways",
           "data quality", "infection control", "team communication", "turnaround times", "risk management"],
    "es": ["sistemas de calidad", "control de documentos", "trazabilidad de las muestras",
           "mantenimiento de equipos", "formación del personal", "auditoría interna", "seguridad del paciente",
           "planificación de compras", "rutas clínicas", "calidad de los datos", "control de infecciones",
           "comunicación en el equipo", "tiempos de respuesta", "gestión de riesgos"],
}
WORDS = {
    "en": ("the laboratory team reviews each case with peers from other cities and agrees on practical "
           "steps that fit local resources while keeping the fundamental elements of quality care in place "
           "experts share evidence from recent guidelines and participants compare how procedures are "
           "documented approved distributed and reviewed so that every record can be traced from request "
           "to report and discussed openly in the next session").split(),
    "es": ("el equipo del laboratorio revisa cada caso con colegas de otras ciudades y acuerda pasos "
           "prácticos que se ajustan a los recursos locales sin perder los elementos fundamentales de una "
           "atención de calidad los expertos comparten la evidencia de las guías recientes y los participantes "
           "comparan cómo se documentan aprueban distribuyen y revisan los procedimientos para que cada "
           "registro pueda seguirse desde la solicitud hasta el informe y debatirse en la próxima sesión").split(),
}
HEADINGS = {
    "en": ("Who it is for", "What participants gain", "Format", "Case", "Before the session", "Resources"),
    "es": ("A quién se dirige", "Qué obtienen los participantes", "Formato", "Caso", "Antes de la sesión",
           "Recursos"),
}
PRESENTERS = ("Dr Laura Méndez", "Dr Javier Ortiz", "Dr Amina Boateng", "Dr Dan Milner", "Nurse Ana Duarte",
              "Dr Tamar Beridze", "Eng. Marco Rossi", "Dr Aung Min", "Dr Claire Dubois", "Dr Eric Mugisha")


def plan(pages: int, sessions: int) -> int:
    """Number of programmes giving about `pages` pages with `sessions` sessions each."""
    per_language = pages / len(LANGS)
    return max(1, round((per_language - FIXED_PAGES) / (sessions + 1)))


def page_count(programmes: int, sessions: int) -> int:
    return len(LANGS) * (FIXED_PAGES + programmes * (sessions + 1))


def sentence(rng: random.Random, lang: str, words: int = 0) -> str:
    words = words or rng.randint(10, 24)
    picked = [rng.choice(WORDS[lang]) for _ in range(words)]
    text = " ".join(picked)
    return text[0].upper() + text[1:] + "."


def paragraph(rng: random.Random, lang: str, sentences: int = 0) -> str:
    parts = [sentence(rng, lang) for _ in range(sentences or rng.randint(2, 5))]
    i = rng.randrange(len(parts))
    first, _, rest = parts[i].partition(" ")
    parts[i] = f"{first} *{rest.split(' ', 1)[0]}* {rest.split(' ', 1)[-1]}" if " " in rest else parts[i]
    return " ".join(parts)


def bullets(rng: random.Random, lang: str, count: int = 0, numbered: bool = False) -> str:
    items = [sentence(rng, lang, rng.randint(5, 12)) for _ in range(count or rng.randint(3, 5))]
    if numbered:
        return "\n".join(f"{n}. {item}" for n, item in enumerate(items, 1))
    return "\n".join(f"- **{item.split(' ')[0]}** {item.split(' ', 1)[1]}" for item in items)


def quote(text: str) -> str:
    return f'"{text}"'.replace("\\", "\\\\")


def programme_name(i: int) -> str:
    return f"prog-{i:03d}"


def programme_title(i: int, lang: str) -> str:
    rng = random.Random(f"title-{i}")
    field, topic = rng.randrange(len(FIELDS["en"])), rng.randrange(len(TOPICS["en"]))
    if lang == "en":
        return f"Programme {i}: {TOPICS['en'][topic].capitalize()} in {FIELDS['en'][field]}"
    return f"Programa {i}: {TOPICS['es'][topic].capitalize()} en {FIELDS['es'][field]}"


def session_id(i: int, j: int) -> str:
    return f"p{i:03d}-{j:02d}"


def programme_page(rng: random.Random, i: int, n: int, m: int, lang: str) -> str:
    other = programme_name((i % n) + 1)
    h = HEADINGS[lang]
    week, topic, fmt = ("Week", "Topic", "Format") if lang == "en" else ("Semana", "Tema", "Formato")
    rows = "\n".join(f"| {j} | {TOPICS[lang][rng.randrange(len(TOPICS[lang]))].capitalize()} | "
                     f"{rng.choice(['ECHO', 'Taller', 'Caso']) if lang == 'es' else rng.choice(['ECHO', 'Workshop', 'Case'])} |"
                     for j in range(1, min(m, 8) + 1))
    more = "See also" if lang == "en" else "Vea también"
    slug = "" if lang == "en" else f"slug: programa-{i:03d}\n"
    return f"""---
title: {quote(programme_title(i, lang))}
description: {quote(sentence(rng, lang, 18))}
weight: {i}
{slug}---

{paragraph(rng, lang)}

## {h[0]}

{paragraph(rng, lang)}

## {h[1]}

{bullets(rng, lang)}

> {sentence(rng, lang, 20)}
>
> — {rng.choice(PRESENTERS)}

## {h[2]}

| {week} | {topic} | {fmt} |
| --- | --- | --- |
{rows}

{paragraph(rng, lang, 3)}

{more}: [{programme_title((i % n) + 1, lang)}](../{other}/index.{lang}.md), [{"about the network" if lang == "en" else "la red"}](../../about.{lang}.md) {"and the" if lang == "en" else "y el"} [{"calendar" if lang == "en" else "calendario"}](../../calendar.{lang}.md).
"""


def session_text(rng: random.Random, lang: str) -> str:
    h = HEADINGS[lang]
    back = "Back to the programme" if lang == "en" else "Volver al programa"
    front = f"---\nsummary: {quote(sentence(rng, lang, 16))}\n---\n\n" if rng.random() < 0.5 else ""
    return f"""{front}{paragraph(rng, lang)}

{paragraph(rng, lang)}

## {h[3]}

{paragraph(rng, lang, 3)}

## {h[4]}

{bullets(rng, lang, numbered=True)}

[{back}](../index.{lang}.md)
"""


def calendar_yaml(rng: random.Random, i: int, m: int) -> str:
    zone = ZONES[i % len(ZONES)]
    start = FIRST_MONDAY + timedelta(days=7 * (i % 150) + (i % 5))
    hour = rng.choice((8, 9, 10, 14, 15))
    out = [f"# Programme {i}: {m} weekly sessions (synthetic).", f"timezone: {zone}", "sessions:"]
    for j in range(1, m + 1):
        day = start + timedelta(days=7 * (j - 1))
        status = "cancelled" if rng.random() < 0.03 else "postponed" if rng.random() < 0.03 else "scheduled"
        lang = rng.choice(('en', 'es', '[en, es]'))
        presenters = ", ".join(quote(p) for p in rng.sample(PRESENTERS, rng.randint(1, 3)))
        topic = rng.randrange(len(TOPICS["en"]))
        title_en = f"{TOPICS['en'][topic].capitalize()}: session {j}"
        title_es = f"{TOPICS['es'][topic].capitalize()}: sesión {j}"
        out += [
            f"  - id: {session_id(i, j)}",
            f'    start: "{day.isoformat()} {hour:02d}:00"',
            f"    duration: {rng.choice((60, 90, 90, 120))}",
            "    title:",
            f"      en: {quote(title_en)}",
            f"      es: {quote(title_es)}",
            "    summary:",
            f"      en: {quote(sentence(rng, 'en', 22))}",
            f"      es: {quote(sentence(rng, 'es', 22))}",
            f"    presenters: [{presenters}]",
            f"    language: {lang}",
            f"    join_url: https://meet.example.org/j/{i:03d}{j:02d}",
            f"    status: {status}",
            "",
        ]
    return "\n".join(out)


def fixed_pages(rng: random.Random, n: int, lang: str) -> dict[str, str]:
    """Home, programmes overview, calendar, about and contact, in `lang`."""
    en = lang == "en"
    listed = "\n".join(f"| [{programme_title(i, lang)}]({programme_name(i)}/index.{lang}.md) | "
                       f"{FIELDS[lang][i % len(FIELDS[lang])]} |" for i in range(1, n + 1))
    home_list = "\n".join(f"- [{programme_title(i, lang)}](programmes/{programme_name(i)}/index.{lang}.md)"
                          for i in range(1, min(n, 10) + 1))
    pages = {
        "index": (("Synthetic TeleECHO network" if en else "Red TeleECHO sintética"), 0, "",
                  f"{paragraph(rng, lang)}\n\n## {'Programmes' if en else 'Programas'}\n\n{home_list}\n\n"
                  f"[{'All programmes' if en else 'Todos los programas'}](programmes/index.{lang}.md)\n"),
        "programmes/index": (("Programmes" if en else "Programas"), 20, "" if en else "programas",
                             f"{paragraph(rng, lang)}\n\n| {'Programme' if en else 'Programa'} | "
                             f"{'Field' if en else 'Área'} |\n| --- | --- |\n{listed}\n"),
        "calendar": (("Calendar of sessions" if en else "Calendario de sesiones"), 25, "" if en else "calendario",
                     f"{paragraph(rng, lang)}\n"),
        "about": (("About the network" if en else "La red"), 30, "" if en else "la-red",
                  f"{paragraph(rng, lang)}\n\n## {HEADINGS[lang][1]}\n\n{bullets(rng, lang)}\n\n"
                  f"{paragraph(rng, lang)}\n"),
        "contact": (("Contact" if en else "Contacto"), 50, "" if en else "contacto",
                    f"{paragraph(rng, lang, 2)}\n\n- **Email:** echo@example.org\n"),
    }
    out = {}
    for key, (title, weight, slug, body) in pages.items():
        extra = "layout: calendar\n" if key == "calendar" else ""
        extra += f"slug: {slug}\n" if slug else ""
        menu = "false" if key == "index" else "true"
        out[key] = f"---\ntitle: {quote(title)}\nweight: {weight}\nmenu: {menu}\n{extra}---\n\n{body}"
    return out


def site_config() -> str:
    cities = "\n".join(f"  - {{name: {{en: {quote(en)}, es: {quote(es)}}}, timezone: {zone}}}"
                       for (en, es), zone in zip(CITIES, ZONES))
    return f"""# A synthetic site generated by bench/make_site.py: do not edit by hand.
title:
  en: "Synthetic TeleECHO network"
  es: "Red TeleECHO sintética"
description:
  en: "A generated bilingual site for benchmarking the build."
  es: "Un sitio bilingüe generado para medir la compilación."
base_url: https://example.org/bench/
languages: [en, es]
timezone: America/Bogota
organizer:
  name: "Benchmark Foundation"
  url: https://example.org/
footer:
  en: "Generated content for benchmarks."
  es: "Contenido generado para pruebas de rendimiento."
cities:
{cities}
"""


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def make_site(out: Path, programmes: int, sessions: int, seed: int = 1) -> int:
    """Write the site into `out` (which must not exist); return its number of pages."""
    content = out / "content"
    write(out / "site_config.yaml", site_config())
    for lang in LANGS:
        for key, text in fixed_pages(random.Random(f"{seed}-fixed-{lang}"), programmes, lang).items():
            write(content / f"{key}.{lang}.md", text)
    for i in range(1, programmes + 1):
        folder = content / "programmes" / programme_name(i)
        for lang in LANGS:
            write(folder / f"index.{lang}.md",
                  programme_page(random.Random(f"{seed}-{i}-{lang}"), i, programmes, sessions, lang))
        write(folder / "sessions.yaml", calendar_yaml(random.Random(f"{seed}-{i}-calendar"), i, sessions))
        for j in range(1, sessions + 1):
            for lang in LANGS:
                write(folder / "sessions" / f"{session_id(i, j)}.{lang}.md",
                      session_text(random.Random(f"{seed}-{i}-{j}-{lang}"), lang))
    return page_count(programmes, sessions)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000, help="about this many pages in all (default 2000)")
    parser.add_argument("--sessions", type=int, default=DEFAULT_SESSIONS, help="sessions per programme (M)")
    parser.add_argument("--programmes", type=int, help="number of programmes (N); overrides --pages")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="folder to create")
    parser.add_argument("--force", action="store_true", help="replace --out if it exists")
    args = parser.parse_args(argv)
    if args.out.exists():
        if not args.force:
            print(f"make_site.py: {args.out} exists; use --force to replace it", file=sys.stderr)
            return 2
        shutil.rmtree(args.out)
    programmes = args.programmes or plan(args.pages, args.sessions)
    pages = make_site(args.out, programmes, args.sessions, args.seed)
    print(f"{args.out}: {programmes} programmes x {args.sessions} sessions = {pages} pages "
          f"({pages // len(LANGS)} per language)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
