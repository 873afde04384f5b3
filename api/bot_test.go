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
	{"yahoo slurp", regexp.MustCompile(`(?i)yahoo! slurp`)},
	{"headless chrome", regexp.MustCompile(`(?i)headlesschrome`)},
	{"phantomjs", regexp.MustCompile(`(?i)phantomjs`)},
	{"test automation", regexp.MustCompile(`(?i)jsdom/|cypress/`)},
	{"curl", regexp.MustCompile(`(?i)\bcurl/|libcurl`)},
	{"wget", regexp.MustCompile(`(?i)\bwget/`)},
	{"python http client", regexp.MustCompile(`(?i)python-requests|python-urllib|python-httpx|aiohttp`)},
	{"go http client", regexp.MustCompile(`(?i)go-http-client`)},
	{"java http client", regexp.MustCompile(`(?i)^java/|okhttp|apache-httpclient`)},
	{"node http client", regexp.MustCompile(`(?i)^node$|node-fetch|axios/|undici`)},
	{"other http library", regexp.MustCompile(`(?i)libwww-perl|scrapy|httpunit|nutch|heritrix|guzzlehttp/|postmanruntime/|httpie/|^ruby$|\bruby/`)},
	{"link preview", regexp.MustCompile(`(?i)facebookexternalhit|embedly|skypeuripreview`)},
	{"page speed test", regexp.MustCompile(`(?i)lighthouse|pagespeed|gtmetrix|ptst/`)},
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
	"node", "Node", "node ", "nodes", "cubot node", "ruby", "RUBY", "ruby/3.3", "xruby/3", "ruby-lang",
	"cubot ruby", "PTST/1", "Yahoo! Slurp",
}

func TestMatchBotRuleToolsAndCrawlers(t *testing.T) {
	tests := []struct {
		name      string
		userAgent string
		wantRule  string
	}{
		{"yahoo slurp", "Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)", "yahoo slurp"},
		{"jsdom", "Mozilla/5.0 (linux) AppleWebKit/537.36 (KHTML, like Gecko) jsdom/24.1.0", "test automation"},
		{"cypress electron", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Cypress/13.13.0 Chrome/118.0.5993.159 Electron/27.3.10 Safari/537.36", "test automation"},
		{"webpagetest", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 PTST/240614.191314", "page speed test"},
		{"postman", "PostmanRuntime/7.39.0", "other http library"},
		{"httpie", "HTTPie/3.2.2", "other http library"},
		{"libcurl", "PycURL/7.45.3 libcurl/8.5.0 OpenSSL/3.0.13 zlib/1.3", "curl"},
		{"ruby net http", "Ruby", "other http library"},
		{"ruby rest-client", "rest-client/2.1.0 (linux-gnu x86_64) ruby/3.3.0p0", "other http library"},
		{"guzzle", "GuzzleHttp/7", "other http library"},
		{"node fetch", "node", "node http client"},
		{"node-fetch 3", "node-fetch", "node http client"},
		{"undici", "undici", "node http client"},
		{"axios", "axios/0.27.2", "node http client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := matchBotRule(tt.userAgent); got != tt.wantRule {
				t.Errorf("matchBotRule(%q) = %q, want %q", tt.userAgent, got, tt.wantRule)
			}
		})
	}
}

// TestMatchBotRuleBrowsers checks that browsers of people, on desktop and
// mobile, match no rule.
func TestMatchBotRuleBrowsers(t *testing.T) {
	tests := []struct {
		name      string
		userAgent string
	}{
		{"chrome windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"},
		{"chrome android", "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"},
		{"chrome ios", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1"},
		{"firefox windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"},
		{"firefox android", "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0"},
		{"firefox ios", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15"},
		{"safari macos", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15"},
		{"safari ipad", "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"},
		{"edge macos", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"},
		{"edge android", "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 EdgA/131.0.0.0"},
		{"edge ios", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 EdgiOS/131.2903.68 Mobile/15E148 Safari/605.1.15"},
		{"samsung internet", "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36"},
		{"opera", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/116.0.0.0"},
		{"electron app", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Slack/4.41.105 Chrome/130.0.6723.191 Electron/33.2.0 Safari/537.36"},
		{"device named ruby", "Mozilla/5.0 (Linux; Android 12; Ruby) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"},
		{"device named node", "Mozilla/5.0 (Linux; Android 12; Node) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := matchBotRule(tt.userAgent); got != "" {
				t.Errorf("matchBotRule(%q) = %q, want no rule", tt.userAgent, got)
			}
		})
	}
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
