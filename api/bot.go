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
	{"yahoo slurp", containsAny("yahoo! slurp")},
	{"headless chrome", containsAny("headlesschrome")},
	{"phantomjs", containsAny("phantomjs")},
	// jsdom runs page scripts in Node.js, and Cypress adds its name to the
	// user agent of the Electron browser that it drives.
	{"test automation", containsAny("jsdom/", "cypress/")},
	{"curl", anyOf(startsWord("curl/"), containsAny("libcurl"))},
	{"wget", startsWord("wget/")},
	{"python http client", containsAny("python-requests", "python-urllib", "python-httpx", "aiohttp")},
	{"go http client", containsAny("go-http-client")},
	{"java http client", func(ua string) bool {
		return strings.HasPrefix(ua, "java/") || containsAny("okhttp", "apache-httpclient")(ua)
	}},
	// The fetch built into Node.js sends the user agent "node" (checked with
	// Node.js 20).
	{"node http client", anyOf(equals("node"), containsAny("node-fetch", "axios/", "undici"))},
	// Ruby's Net::HTTP sends the user agent "Ruby", and rest-client ends
	// its own with "ruby/" and the Ruby version. The word alone is not
	// matched, because a device or app name in a browser's user agent
	// could contain it.
	{"other http library", anyOf(
		containsAny("libwww-perl", "scrapy", "httpunit", "nutch", "heritrix", "guzzlehttp/", "postmanruntime/", "httpie/"),
		equals("ruby"), startsWord("ruby/"),
	)},
	{"link preview", containsAny("facebookexternalhit", "embedly", "skypeuripreview")},
	// WebPageTest adds "PTST/" and its version to the browser's user agent.
	{"page speed test", containsAny("lighthouse", "pagespeed", "gtmetrix", "ptst/")},
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

// equals matches when the whole user agent is want.
func equals(want string) func(string) bool {
	return func(ua string) bool {
		return ua == want
	}
}

// anyOf matches when any of the matchers does.
func anyOf(matchers ...func(string) bool) func(string) bool {
	return func(ua string) bool {
		for _, match := range matchers {
			if match(ua) {
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
