package api

import "strings"

// botRule names one kind of user agent that POST /collect ignores:
// crawlers, headless browsers, monitors and HTTP libraries, none of which is
// a person on the website.
type botRule struct {
	name  string
	match func(ua string) bool
}

// botRules are tried in order against the lowercased User-Agent header. The
// list names the common cases and is not complete. Each rule is a plain
// string search: a regular expression per rule cost a third of the CPU
// time of a beacon request.
var botRules = []botRule{
	{"googlebot", containsAny("googlebot", "adsbot-google", "mediapartners-google", "google-inspectiontool", "storebot-google")},
	{"bingbot", containsAny("bingbot", "bingpreview", "adidxbot")},
	{"headless chrome", containsAny("headlesschrome")},
	{"phantomjs", containsAny("phantomjs")},
	{"curl", startsWord("curl/")},
	{"wget", startsWord("wget/")},
	{"python http client", containsAny("python-requests", "python-urllib", "python-httpx", "aiohttp")},
	{"go http client", containsAny("go-http-client")},
	{"java http client", func(ua string) bool {
		return strings.HasPrefix(ua, "java/") || containsAny("okhttp", "apache-httpclient")(ua)
	}},
	{"node http client", containsAny("node-fetch", "axios/", "undici")},
	{"other http library", containsAny("libwww-perl", "scrapy", "httpunit", "nutch", "heritrix")},
	{"link preview", containsAny("facebookexternalhit", "embedly", "skypeuripreview")},
	{"page speed test", containsAny("lighthouse", "pagespeed", "gtmetrix")},
	{"uptime monitor", containsAny("pingdom", "uptimerobot", "statuscake", "site24x7")},
	// The word rules come last, so that a user agent with a specific rule
	// reports that rule.
	{"bot word", endsWord("bot")},
	{"crawler word", containsAny("crawl")},
	{"spider word", containsAny("spider")},
}

// matchBotRule returns the name of the first bot rule that userAgent
// matches, or "" for a browser. An empty user agent counts as a bot, because
// every browser sends one.
func matchBotRule(userAgent string) string {
	if userAgent == "" {
		return "empty user agent"
	}
	// The phone brand Cubot puts a word ending in "bot" into its Android
	// user agents, so the word is removed before the rules run.
	ua := removeWord(asciiLower(userAgent), "cubot")
	for _, rule := range botRules {
		if rule.match(ua) {
			return rule.name
		}
	}
	return ""
}

// containsAny matches when any of the lowercase needles occurs.
func containsAny(needles ...string) func(string) bool {
	return func(ua string) bool {
		for _, n := range needles {
			if strings.Contains(ua, n) {
				return true
			}
		}
		return false
	}
}

// startsWord matches when needle occurs at the start of a word.
func startsWord(needle string) func(string) bool {
	return func(ua string) bool {
		for i := 0; ; {
			j := strings.Index(ua[i:], needle)
			if j < 0 {
				return false
			}
			i += j
			if i == 0 || !isWordByte(ua[i-1]) {
				return true
			}
			i++
		}
	}
}

// endsWord matches when needle occurs at the end of a word.
func endsWord(needle string) func(string) bool {
	return func(ua string) bool {
		for i := 0; ; {
			j := strings.Index(ua[i:], needle)
			if j < 0 {
				return false
			}
			i += j
			end := i + len(needle)
			if end == len(ua) || !isWordByte(ua[end]) {
				return true
			}
			i++
		}
	}
}

// removeWord deletes each occurrence of word that is a whole word.
func removeWord(s, word string) string {
	var b strings.Builder
	rest := s
	removed := false
	for {
		j := strings.Index(rest, word)
		if j < 0 {
			break
		}
		start := len(s) - len(rest) + j
		end := start + len(word)
		if (start == 0 || !isWordByte(s[start-1])) && (end == len(s) || !isWordByte(s[end])) {
			b.WriteString(rest[:j])
			removed = true
			rest = rest[j+len(word):]
			continue
		}
		b.WriteString(rest[:j+1])
		rest = rest[j+1:]
	}
	if !removed {
		return s
	}
	b.WriteString(rest)
	return b.String()
}

// isWordByte reports whether c is an ASCII letter, digit or underscore, the
// characters that make up words in user agents.
func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// asciiLower lowercases ASCII letters only: user agents are ASCII, and the
// rules name ASCII words.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for k := i; k < len(b); k++ {
				if 'A' <= b[k] && b[k] <= 'Z' {
					b[k] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
