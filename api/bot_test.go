package api

import (
	"regexp"
	"testing"
)

// regexpBotRules are the bot rules written as regular expressions, the
// reference that the string search in bot.go must agree with.
var regexpBotRules = []struct {
	name    string
	pattern *regexp.Regexp
}{
	{"googlebot", regexp.MustCompile(`(?i)googlebot|adsbot-google|mediapartners-google|google-inspectiontool|storebot-google`)},
	{"bingbot", regexp.MustCompile(`(?i)bingbot|bingpreview|adidxbot`)},
	{"headless chrome", regexp.MustCompile(`(?i)headlesschrome`)},
	{"phantomjs", regexp.MustCompile(`(?i)phantomjs`)},
	{"curl", regexp.MustCompile(`(?i)\bcurl/`)},
	{"wget", regexp.MustCompile(`(?i)\bwget/`)},
	{"python http client", regexp.MustCompile(`(?i)python-requests|python-urllib|python-httpx|aiohttp`)},
	{"go http client", regexp.MustCompile(`(?i)go-http-client`)},
	{"java http client", regexp.MustCompile(`(?i)^java/|okhttp|apache-httpclient`)},
	{"node http client", regexp.MustCompile(`(?i)node-fetch|axios/|undici`)},
	{"other http library", regexp.MustCompile(`(?i)libwww-perl|scrapy|httpunit|nutch|heritrix`)},
	{"link preview", regexp.MustCompile(`(?i)facebookexternalhit|embedly|skypeuripreview`)},
	{"page speed test", regexp.MustCompile(`(?i)lighthouse|pagespeed|gtmetrix`)},
	{"uptime monitor", regexp.MustCompile(`(?i)pingdom|uptimerobot|statuscake|site24x7`)},
	{"bot word", regexp.MustCompile(`(?i)\w*bot\b`)},
	{"crawler word", regexp.MustCompile(`(?i)crawl`)},
	{"spider word", regexp.MustCompile(`(?i)spider`)},
}

var regexpNotBot = regexp.MustCompile(`(?i)\bcubot\b`)

func matchBotRuleRegexp(userAgent string) string {
	if userAgent == "" {
		return "empty user agent"
	}
	userAgent = regexpNotBot.ReplaceAllString(userAgent, "")
	for _, rule := range regexpBotRules {
		if rule.pattern.MatchString(userAgent) {
			return rule.name
		}
	}
	return ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

var botEdgeCases = []string{
	"Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36",
	"cubotbot", "xcubot", "cubot_", "CUBOT cubot", "robot", "robots.txt", "bot", "abot_", "bots",
	"xcurl/1", "-curl/1", "curl/", "Java/17", "x java/17", "libcurl/8", "cubotcubot bot",
}

func TestMatchBotRuleAgreesWithRegexps(t *testing.T) {
	for _, ua := range botEdgeCases {
		if got, want := matchBotRule(ua), matchBotRuleRegexp(ua); got != want {
			t.Errorf("matchBotRule(%q) = %q, the regular expressions say %q", ua, got, want)
		}
	}
}

// FuzzMatchBotRule checks the string search against the regular
// expressions on ASCII user agents. (The regexp package also folds a few
// non-ASCII letters, such as the Kelvin sign, to ASCII ones; browsers never
// send those.)
func FuzzMatchBotRule(f *testing.F) {
	for _, ua := range botEdgeCases {
		f.Add(ua)
	}
	f.Fuzz(func(t *testing.T, ua string) {
		if !isASCII(ua) {
			return
		}
		if got, want := matchBotRule(ua), matchBotRuleRegexp(ua); got != want {
			t.Errorf("matchBotRule(%q) = %q, the regular expressions say %q", ua, got, want)
		}
	})
}

func BenchmarkMatchBotRule(b *testing.B) {
	const ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
	b.Run("strings", func(b *testing.B) {
		for b.Loop() {
			matchBotRule(ua)
		}
	})
	b.Run("regexp", func(b *testing.B) {
		for b.Loop() {
			matchBotRuleRegexp(ua)
		}
	})
}
