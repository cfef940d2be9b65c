"""echosite: a static bilingual site generator for tele-mentoring programmes.

`pipeline.build()` is the conductor; the stages, in its order: `config`, `content`,
`sessions`, `i18n`, `model`, `render/` (a subpackage), `write`. README.md, "How it works",
says what each does.
"""

__version__ = "0.1.0"
