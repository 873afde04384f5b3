package api

import "regexp"

// botRule names one pattern of user agents that POST /collect ignores:
// crawlers, headless browsers, monitors and HTTP libraries, none of which is
// a person on the website.
type botRule struct {
	name    string
	pattern *regexp.Regexp
}

// botRules are matched case-insensitively anywhere in the User-Agent
// header, in order. The list names the common cases and is not complete.
var botRules = []botRule{
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
	// The word rules come last, so that a user agent with a specific rule
	// reports that rule.
	{"bot word", regexp.MustCompile(`(?i)\w*bot\b`)},
	{"crawler word", regexp.MustCompile(`(?i)crawl`)},
	{"spider word", regexp.MustCompile(`(?i)spider`)},
}

// notBotPattern matches the phone brand Cubot, whose Android user agents
// contain a word ending in "bot". It is removed before the rules run.
var notBotPattern = regexp.MustCompile(`(?i)\bcubot\b`)

// matchBotRule returns the name of the first bot rule that userAgent
// matches, or "" for a browser. An empty user agent counts as a bot, because
// every browser sends one.
func matchBotRule(userAgent string) string {
	if userAgent == "" {
		return "empty user agent"
	}
	userAgent = notBotPattern.ReplaceAllString(userAgent, "")
	for _, rule := range botRules {
		if rule.pattern.MatchString(userAgent) {
			return rule.name
		}
	}
	return ""
}
