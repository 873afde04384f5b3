package apitype

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"unicode/utf8"
)

// MarketingChannel is the channel that brought a visitor to the site, such as
// paid search or email.
type MarketingChannel string

// Marketing channels, as stored and sent in the API.
const (
	ChannelDirect        MarketingChannel = "DIRECT"
	ChannelOrganicSearch MarketingChannel = "ORGANIC_SEARCH"
	ChannelPaidSearch    MarketingChannel = "PAID_SEARCH"
	ChannelOrganicSocial MarketingChannel = "ORGANIC_SOCIAL"
	ChannelPaidSocial    MarketingChannel = "PAID_SOCIAL"
	ChannelEmail         MarketingChannel = "EMAIL"
	ChannelReferral      MarketingChannel = "REFERRAL"
	ChannelDisplay       MarketingChannel = "DISPLAY"
	ChannelAffiliate     MarketingChannel = "AFFILIATE"
	ChannelVideo         MarketingChannel = "VIDEO"
	ChannelSMS           MarketingChannel = "SMS"
	ChannelOther         MarketingChannel = "OTHER"
)

// MarketingChannels lists every marketing channel in display order.
var MarketingChannels = []MarketingChannel{
	ChannelDirect,
	ChannelOrganicSearch,
	ChannelPaidSearch,
	ChannelOrganicSocial,
	ChannelPaidSocial,
	ChannelEmail,
	ChannelReferral,
	ChannelDisplay,
	ChannelAffiliate,
	ChannelVideo,
	ChannelSMS,
	ChannelOther,
}

// ParseMarketingChannel returns the channel named by s, ignoring case and
// surrounding white space. It returns false for an unknown name.
func ParseMarketingChannel(s string) (MarketingChannel, bool) {
	name := strings.ToUpper(strings.TrimSpace(s))
	for _, channel := range MarketingChannels {
		if string(channel) == name {
			return channel, true
		}
	}
	return "", false
}

// MaxUTMLength is the maximum length of each UTM value, in bytes.
const MaxUTMLength = 200

// UTM contains the utm_* campaign parameters of a landing page URL.
type UTM struct {
	Source   string `json:"utmSource,omitempty"`
	Medium   string `json:"utmMedium,omitempty"`
	Campaign string `json:"utmCampaign,omitempty"`
	Term     string `json:"utmTerm,omitempty"`
	Content  string `json:"utmContent,omitempty"`
}

// IsZero reports whether every UTM value is empty.
func (u UTM) IsZero() bool {
	return u == UTM{}
}

// UTMFromURL reads the utm_source, utm_medium, utm_campaign, utm_term and
// utm_content query parameters of rawURL. Each value loses invalid UTF-8,
// control and format characters, is trimmed and is cut to MaxUTMLength
// bytes on a rune boundary. Source and medium
// are also lowercased. An unparsable URL gives the zero UTM. When a parameter
// repeats, the first value counts.
func UTMFromURL(rawURL string) UTM {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return UTM{}
	}
	// Query drops malformed pairs and keeps the rest.
	query := u.Query()
	return UTM{
		Source:   cleanUTMValue(query.Get("utm_source"), true),
		Medium:   cleanUTMValue(query.Get("utm_medium"), true),
		Campaign: cleanUTMValue(query.Get("utm_campaign"), false),
		Term:     cleanUTMValue(query.Get("utm_term"), false),
		Content:  cleanUTMValue(query.Get("utm_content"), false),
	}
}

// NormalizeUTM checks UTM values sent through the API and returns them in
// the form that UTMFromURL stores: trimmed, with source and medium in
// lowercase, so that "Google" from the API and "google" from a page URL
// are one source. A value that is not UTF-8, contains a control or format
// character or a line or paragraph separator, or is over MaxUTMLength
// bytes is rejected, with the field
// named as in the GraphQL input, such as utmSource.
func NormalizeUTM(u UTM) (UTM, *ValidationError) {
	fields := []struct {
		name  string
		value *string
		lower bool
	}{
		{"utmSource", &u.Source, true},
		{"utmMedium", &u.Medium, true},
		{"utmCampaign", &u.Campaign, false},
		{"utmTerm", &u.Term, false},
		{"utmContent", &u.Content, false},
	}
	for _, f := range fields {
		value := strings.TrimSpace(*f.value)
		if !utf8.ValidString(value) {
			return UTM{}, &ValidationError{Field: f.name, Message: fmt.Sprintf("%s is not valid UTF-8: send text.", f.name)}
		}
		if i := strings.IndexFunc(value, isInvisible); i >= 0 {
			r, _ := utf8.DecodeRuneInString(value[i:])
			return UTM{}, &ValidationError{Field: f.name, Message: fmt.Sprintf("%s contains %s: remove it.", f.name, HiddenCharacterName(r))}
		}
		if f.lower {
			value = strings.ToLower(value)
		}
		if len(value) > MaxUTMLength {
			return UTM{}, &ValidationError{Field: f.name, Message: fmt.Sprintf("%s is too long: use at most %d bytes.", f.name, MaxUTMLength)}
		}
		*f.value = value
	}
	return u, nil
}

func cleanUTMValue(value string, lower bool) string {
	// Percent-escapes can carry control characters and bidirectional
	// overrides, which have no place in a campaign name.
	value = strings.Map(func(r rune) rune {
		if isInvisible(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(value, ""))
	value = strings.TrimSpace(value)
	if lower {
		// Lowercasing can change the byte length, so it runs before the cut.
		value = strings.ToLower(value)
	}
	return strings.TrimSpace(truncateUTF8(value, MaxUTMLength))
}

// truncateUTF8 cuts s to at most maxBytes bytes without splitting a rune.
func truncateUTF8(s string, maxBytes int) string {
	if len(s) <= maxBytes {
		return s
	}
	end := maxBytes
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return s[:end]
}

// Attribution is the input of ClassifyChannel for one visit: the UTM
// parameters of the landing page (see UTMFromURL), the HTTP referrer and the
// landing page URL.
type Attribution struct {
	UTM      UTM
	Referrer string
	PageURL  string
	// FirstTouch is the query string of the visit's first touch, such as
	// "?utm_source=x" or "?gclid=y", which keeps a search click id for the
	// later pages of the visit.
	FirstTouch string
}

// hostCategory is the kind of site a referrer host or UTM source belongs to.
type hostCategory int

const (
	categoryNone hostCategory = iota
	categorySearch
	categorySocial
	categoryVideo
	categoryWebmail
)

// The tables below are modelled on the default channel groupings of common
// web analytics tools. They list widely used sites of each kind, not every one.

// knownHosts maps host patterns to their category. A pattern matches the host
// itself and its subdomains. A pattern ending in ".*" matches any public
// suffix, such as google.com, google.de or google.co.uk. Webmail comes first
// so that mail.google.com is not read as Google search.
var knownHosts = []struct {
	category hostCategory
	patterns []string
}{
	{categoryWebmail, []string{
		"mail.google.com", "outlook.live.com", "outlook.office.com", "outlook.office365.com",
		"mail.yahoo.com", "mail.aol.com", "mail.proton.me", "mail.zoho.com",
	}},
	{categorySearch, []string{
		"google.*", "bing.com", "duckduckgo.com", "yahoo.*", "baidu.com", "yandex.*",
		"ecosia.org", "search.brave.com", "startpage.com", "qwant.com", "naver.com",
		"seznam.cz", "ask.com", "aol.com", "sogou.com", "so.com", "kagi.com",
	}},
	{categorySocial, []string{
		"facebook.com", "fb.com", "fb.me", "instagram.com", "t.co", "twitter.com", "x.com",
		"linkedin.com", "lnkd.in", "reddit.com", "pinterest.*", "tiktok.com",
		"snapchat.com", "threads.net", "tumblr.com", "quora.com", "bsky.app",
		"mastodon.social", "vk.com", "weibo.com", "news.ycombinator.com",
	}},
	{categoryVideo, []string{
		"youtube.com", "youtu.be", "vimeo.com", "twitch.tv", "dailymotion.com",
	}},
}

// knownSourceNames maps bare utm_source names, as ad platforms and people
// write them, to their category. Sources that look like host names are
// matched against knownHosts instead.
var knownSourceNames = map[string]hostCategory{
	"google": categorySearch, "adwords": categorySearch, "bing": categorySearch,
	"duckduckgo": categorySearch, "yahoo": categorySearch, "baidu": categorySearch,
	"yandex": categorySearch, "ecosia": categorySearch, "brave": categorySearch,
	"naver": categorySearch, "seznam": categorySearch,

	"facebook": categorySocial, "fb": categorySocial, "meta": categorySocial,
	"instagram": categorySocial, "ig": categorySocial, "twitter": categorySocial,
	"x": categorySocial, "linkedin": categorySocial, "reddit": categorySocial,
	"pinterest": categorySocial, "tiktok": categorySocial, "snapchat": categorySocial,
	"threads": categorySocial, "tumblr": categorySocial, "quora": categorySocial,

	"youtube": categoryVideo, "yt": categoryVideo, "vimeo": categoryVideo,
	"twitch": categoryVideo, "dailymotion": categoryVideo,

	"gmail": categoryWebmail, "outlook": categoryWebmail,
}

// UTM medium sets. Mediums are compared lowercased, with "_" read as "-".
var (
	paidMediums       = mediumSet("cpc", "ppc", "paid", "paidsearch", "paid-search", "sem")
	paidSocialMediums = mediumSet("paid-social", "paidsocial", "social-paid")
	emailMediums      = mediumSet("email", "e-mail", "newsletter")
	smsMediums        = mediumSet("sms", "text")
	displayMediums    = mediumSet("display", "banner", "cpm", "programmatic")
	affiliateMediums  = mediumSet("affiliate", "affiliates", "partner", "partners")
	videoMediums      = mediumSet("video")
	socialMediums     = mediumSet("social", "social-network", "social-media", "sm")
	organicMediums    = mediumSet("organic")
	referralMediums   = mediumSet("referral")
)

func mediumSet(mediums ...string) map[string]bool {
	set := make(map[string]bool, len(mediums))
	for _, medium := range mediums {
		set[medium] = true
	}
	return set
}

// utmRule assigns channel when the UTM medium is in mediums and, unless site
// is categoryNone, the UTM source or the referrer is a site of that category.
type utmRule struct {
	mediums map[string]bool
	site    hostCategory
	channel MarketingChannel
}

// utmRules are tried in order, and the first match wins. A visit whose UTM
// source or medium is set but matches no rule is ChannelOther.
var utmRules = []utmRule{
	{paidMediums, categorySearch, ChannelPaidSearch},
	{paidMediums, categorySocial, ChannelPaidSocial},
	{paidSocialMediums, categoryNone, ChannelPaidSocial},
	{paidMediums, categoryVideo, ChannelVideo},
	{paidMediums, categoryNone, ChannelPaidSearch},
	{emailMediums, categoryNone, ChannelEmail},
	{smsMediums, categoryNone, ChannelSMS},
	{displayMediums, categoryNone, ChannelDisplay},
	{affiliateMediums, categoryNone, ChannelAffiliate},
	{videoMediums, categoryNone, ChannelVideo},
	{socialMediums, categoryNone, ChannelOrganicSocial},
	{organicMediums, categorySocial, ChannelOrganicSocial},
	{organicMediums, categoryVideo, ChannelVideo},
	{organicMediums, categoryNone, ChannelOrganicSearch},
	{referralMediums, categoryNone, ChannelReferral},
}

// referrerChannels gives the channel of a visit without UTM source and medium
// whose referrer is a known site of another domain. Other referrers are
// ChannelReferral.
var referrerChannels = map[hostCategory]MarketingChannel{
	categorySearch:  ChannelOrganicSearch,
	categorySocial:  ChannelOrganicSocial,
	categoryVideo:   ChannelVideo,
	categoryWebmail: ChannelEmail,
}

// searchClickIDs are the query parameters that search ad platforms add to
// the landing page URL of an ad click: gclid, gbraid and wbraid from Google
// Ads, msclkid from Microsoft Advertising.
var searchClickIDs = []string{"gclid", "gbraid", "wbraid", "msclkid"}

// ClassifyChannel returns the marketing channel of a visit. A landing page URL
// or first touch with a non-empty search click id (see searchClickIDs) is
// ChannelPaidSearch when the referrer is a search engine or the UTM source
// and medium are both empty. Otherwise the UTM source and medium decide, by utmRules. Without both,
// the referrer decides: none or one on the landing page's own domain is
// ChannelDirect, a known site gets its channel from referrerChannels, and any
// other site is ChannelReferral. An unparsable referrer counts as none. UTM
// campaign, term and content do not affect the result.
//
// NOTE: Google Ads also adds gclid to clicks on its display and video ads, so
// such a click without UTM source and medium counts as paid search.
func ClassifyChannel(a Attribution) MarketingChannel {
	source := strings.ToLower(strings.TrimSpace(a.UTM.Source))
	medium := strings.ToLower(strings.TrimSpace(a.UTM.Medium))
	medium = strings.ReplaceAll(medium, "_", "-")
	referrer := hostOf(a.Referrer)
	hasUTM := source != "" || medium != ""

	clicked := hasSearchClickID(a.PageURL) || hasSearchClickID("/?"+strings.TrimPrefix(a.FirstTouch, "?"))
	if clicked && (!hasUTM || hostCategoryOf(referrer) == categorySearch) {
		return ChannelPaidSearch
	}

	if hasUTM {
		sourceCategory := sourceCategoryOf(source)
		referrerCategory := hostCategoryOf(referrer)
		for _, rule := range utmRules {
			if !rule.mediums[medium] {
				continue
			}
			if rule.site == categoryNone || rule.site == sourceCategory || rule.site == referrerCategory {
				return rule.channel
			}
		}
		return ChannelOther
	}

	if referrer == "" || sameSite(referrer, hostOf(a.PageURL)) {
		return ChannelDirect
	}
	if channel, ok := referrerChannels[hostCategoryOf(referrer)]; ok {
		return channel
	}
	return ChannelReferral
}

// hasSearchClickID reports whether the query of pageURL has a non-empty
// value for one of searchClickIDs. Names are matched case-sensitively
// because the ad platforms add them in lowercase.
func hasSearchClickID(pageURL string) bool {
	u, err := url.Parse(strings.TrimSpace(pageURL))
	if err != nil || u.RawQuery == "" {
		return false
	}
	query := u.Query()
	for _, name := range searchClickIDs {
		for _, value := range query[name] {
			if value != "" {
				return true
			}
		}
	}
	return false
}

// hostOf returns the lowercased host name of an absolute URL, without port or
// trailing dot, or "" when rawURL has no host or does not parse.
func hostOf(rawURL string) string {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
}

func sourceCategoryOf(source string) hostCategory {
	if category, ok := knownSourceNames[source]; ok {
		return category
	}
	return hostCategoryOf(source)
}

func hostCategoryOf(host string) hostCategory {
	if host == "" {
		return categoryNone
	}
	for _, group := range knownHosts {
		for _, pattern := range group.patterns {
			if matchHost(host, pattern) {
				return group.category
			}
		}
	}
	return categoryNone
}

// matchHost reports whether host is pattern or one of its subdomains. A
// pattern "name.*" matches name under any public suffix, and under a
// subdomain too, as in www.google.co.uk.
func matchHost(host, pattern string) bool {
	name, anySuffix := strings.CutSuffix(pattern, ".*")
	if !anySuffix {
		return host == pattern || strings.HasSuffix(host, "."+pattern)
	}
	labels := strings.Split(host, ".")
	for i, label := range labels {
		if label != name {
			continue
		}
		suffix := labels[i+1:]
		if len(suffix) > 0 && len(suffix) == publicSuffixLabels(labels) {
			return true
		}
	}
	return false
}

// secondLevelLabels are the labels that, under a two-letter country code,
// form a public suffix of two labels, as in co.uk or com.au.
var secondLevelLabels = map[string]bool{
	"co": true, "com": true, "net": true, "org": true, "gov": true, "edu": true,
	"ac": true, "ne": true, "or": true, "go": true,
}

// publicSuffixLabels estimates how many trailing labels of a host form its
// public suffix: two for forms such as co.uk and com.au, else one.
//
// NOTE: this is a heuristic because the package may import only the standard
// library, which has no public suffix list. Hosting suffixes such as
// github.io count as registrable domains, so two sites under them count as
// one site.
func publicSuffixLabels(labels []string) int {
	n := len(labels)
	if n >= 3 && len(labels[n-1]) == 2 && secondLevelLabels[labels[n-2]] {
		return 2
	}
	return 1
}

// registrableDomain returns the public suffix of host plus one label, such as
// example.co.uk for shop.example.co.uk. IP addresses and single-label hosts
// are returned unchanged.
func registrableDomain(host string) string {
	if _, err := netip.ParseAddr(host); err == nil {
		return host
	}
	labels := strings.Split(host, ".")
	keep := publicSuffixLabels(labels) + 1
	if len(labels) <= keep {
		return host
	}
	return strings.Join(labels[len(labels)-keep:], ".")
}

// sameSite reports whether two hosts share a registrable domain, as
// www.example.com and shop.example.com do. Ports are already stripped.
func sameSite(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	return a == b || registrableDomain(a) == registrableDomain(b)
}
