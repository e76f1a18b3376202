"""Pure domain rules: the working-day calendar, statutory deadlines, the admission pipeline and the
sensitive-data guard. Plain data in, plain data out: no storage, no telegram."""
