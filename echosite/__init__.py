"""echosite: a static bilingual site generator for tele-mentoring programmes."""
