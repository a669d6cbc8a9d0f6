package datagen

import "time"

// bankHoliday reports whether day (a local date) is a bank holiday in
// England and Wales: New Year's Day, Good Friday, Easter Monday, the early
// May, spring and summer bank holidays, Christmas Day and Boxing Day, with
// weekend holidays substituted by the following weekdays.
func bankHoliday(day time.Time) bool {
	y, m, d := day.Date()
	date := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	for _, h := range bankHolidays(y) {
		if h.Equal(date) {
			return true
		}
	}
	return false
}

// bankHolidays lists year's bank holidays (UTC midnights).
func bankHolidays(year int) []time.Time {
	day := func(m time.Month, d int) time.Time { return time.Date(year, m, d, 0, 0, 0, 0, time.UTC) }
	easter := easterSunday(year)
	hs := []time.Time{
		substitute(day(time.January, 1)),
		easter.AddDate(0, 0, -2),
		easter.AddDate(0, 0, 1),
		firstMonday(year, time.May),
		lastMonday(year, time.May),
		lastMonday(year, time.August),
	}
	christmas, boxing := day(time.December, 25), day(time.December, 26)
	switch christmas.Weekday() {
	case time.Saturday:
		christmas, boxing = christmas.AddDate(0, 0, 2), boxing.AddDate(0, 0, 2)
	case time.Sunday:
		christmas = christmas.AddDate(0, 0, 2) // Boxing Day (Monday) stays
	case time.Friday:
		boxing = boxing.AddDate(0, 0, 2)
	}
	return append(hs, christmas, boxing)
}

func substitute(d time.Time) time.Time {
	switch d.Weekday() {
	case time.Saturday:
		return d.AddDate(0, 0, 2)
	case time.Sunday:
		return d.AddDate(0, 0, 1)
	}
	return d
}

func firstMonday(year int, m time.Month) time.Time {
	d := time.Date(year, m, 1, 0, 0, 0, 0, time.UTC)
	return d.AddDate(0, 0, (8-int(d.Weekday()))%7)
}

func lastMonday(year int, m time.Month) time.Time {
	d := time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

// easterSunday is the Gregorian Easter (anonymous Gregorian algorithm).
func easterSunday(year int) time.Time {
	a, b, c := year%19, year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h - 7*l) / 451
	month := (h + l - 7*m + 114) / 31
	dom := (h+l-7*m+114)%31 + 1
	return time.Date(year, time.Month(month), dom, 0, 0, 0, 0, time.UTC)
}
