package apitype

import (
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"unicode"
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
// repeats, the first value counts. The query is read by parseQuery, so a
// value keeps a ';' or a '%' that starts no escape.
func UTMFromURL(rawURL string) UTM {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return UTM{}
	}
	query := parseQuery(u.RawQuery)
	first := func(name string) string {
		if values := query[name]; len(values) > 0 {
			return values[0]
		}
		return ""
	}
	return UTM{
		Source:   cleanUTMValue(first("utm_source"), true),
		Medium:   cleanUTMValue(first("utm_medium"), true),
		Campaign: cleanUTMValue(first("utm_campaign"), false),
		Term:     cleanUTMValue(first("utm_term"), false),
		Content:  cleanUTMValue(first("utm_content"), false),
	}
}

// parseQuery splits a raw query string into its name=value pairs at '&'
// only. Unlike url.ParseQuery, which drops a pair that contains ';' or an
// invalid escape, it keeps every pair: '+' reads as a space, a valid %XX
// escape is decoded and any other '%' is kept as it is. A pair without '='
// has an empty value. The values of a name are in query order.
func parseQuery(rawQuery string) map[string][]string {
	query := map[string][]string{}
	for pair := range strings.SplitSeq(rawQuery, "&") {
		if pair == "" {
			continue
		}
		name, value, _ := strings.Cut(pair, "=")
		name = unescapeQueryText(name)
		query[name] = append(query[name], unescapeQueryText(value))
	}
	return query
}

// unescapeQueryText decodes '+' and valid %XX escapes in one name or value
// of a query and keeps any other byte, a '%' without two hex digits
// included, as it is. The result may be invalid UTF-8.
func unescapeQueryText(text string) string {
	if !strings.ContainsAny(text, "%+") {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c == '+':
			b.WriteByte(' ')
		case c == '%' && i+2 < len(text) && isHexDigit(text[i+1]) && isHexDigit(text[i+2]):
			b.WriteByte(hexValue(text[i+1])<<4 | hexValue(text[i+2]))
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func hexValue(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
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
// parameters of the landing page (see UTMFromURL), the HTTP referrer, which
// an Android app may send as android-app://package/, and the landing page
// URL.
type Attribution struct {
	UTM      UTM
	Referrer string
	PageURL  string
	// FirstTouch is the query string of the visit's first touch, such as
	// "?utm_source=x" or "?gclid=y", which keeps a search click id for the
	// later pages of the visit.
	FirstTouch string
}

// hostCategory is the kind of site a referrer host, Android app or UTM
// source belongs to.
type hostCategory int

const (
	categoryNone hostCategory = iota
	categorySearch
	categorySocial
	categoryVideo
	categoryEmail
	categorySMS
)

// The tables below are modelled on the default channel groupings of common
// web analytics tools. They list widely used sites of each kind, not every one.

// knownHosts maps host patterns to their category. A pattern matches the host
// itself and its subdomains. A pattern "name.*" matches only name and
// www.name under a generic or country-code suffix (see isSearchSuffix), such
// as google.com, www.google.de or google.co.uk, because such sites also serve
// docs, maps or app stores on other subdomains. Webmail comes first so that
// mail.google.com is not read as Google search.
var knownHosts = []struct {
	category hostCategory
	patterns []string
}{
	{categoryEmail, []string{
		"mail.google.com", "outlook.live.com", "outlook.office.com", "outlook.office365.com",
		"mail.yahoo.com", "mail.aol.com", "mail.proton.me", "mail.zoho.com",
	}},
	{categorySearch, []string{
		"google.*", "bing.com", "duckduckgo.com", "yahoo.*", "search.yahoo.com",
		"search.yahoo.co.jp", "baidu.com", "yandex.*", "ya.ru", "ecosia.org",
		"search.brave.com", "startpage.com", "qwant.com", "naver.com", "seznam.cz",
		"ask.com", "aol.com", "sogou.com", "so.com", "kagi.com",
	}},
	{categorySocial, []string{
		"facebook.com", "fb.com", "fb.me", "instagram.com", "t.co", "twitter.com", "x.com",
		"linkedin.com", "lnkd.in", "reddit.com", "pinterest.com", "pinterest.*", "tiktok.com",
		"snapchat.com", "threads.net", "tumblr.com", "quora.com", "bsky.app",
		"mastodon.social", "vk.com", "weibo.com", "news.ycombinator.com",
	}},
	{categoryVideo, []string{
		"youtube.com", "youtu.be", "vimeo.com", "twitch.tv", "dailymotion.com",
	}},
}

// knownApps maps the package names of Android apps to their category. An
// app that opens a link in a browser tab can send its package name as an
// android-app://package/ referrer.
var knownApps = map[string]hostCategory{
	"com.google.android.googlequicksearchbox": categorySearch,

	"com.google.android.gm":                categoryEmail,
	"com.microsoft.office.outlook":         categoryEmail,
	"com.yahoo.mobile.client.android.mail": categoryEmail,

	"com.facebook.katana":      categorySocial,
	"com.facebook.lite":        categorySocial,
	"com.instagram.android":    categorySocial,
	"com.twitter.android":      categorySocial,
	"com.linkedin.android":     categorySocial,
	"com.reddit.frontpage":     categorySocial,
	"com.pinterest":            categorySocial,
	"com.zhiliaoapp.musically": categorySocial,
	"com.snapchat.android":     categorySocial,

	"com.google.android.youtube": categoryVideo,
}

// knownSourceNames maps bare utm_source names, as ad platforms and people
// write them, to their category. Sources are looked up after
// normalizeUTMWords, so "e mail" finds e-mail. Sources that look like host
// names are matched against knownHosts instead.
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

	"email": categoryEmail, "e-mail": categoryEmail, "gmail": categoryEmail,
	"outlook": categoryEmail,

	"sms": categorySMS,
}

// mediumPattern matches a UTM medium after normalizeUTMWords: a medium that is
// one of names, starts with one of prefixes or contains one of substrings.
type mediumPattern struct {
	names      []string
	prefixes   []string
	substrings []string
}

func (p mediumPattern) match(medium string) bool {
	if medium == "" {
		return false
	}
	return slices.Contains(p.names, medium) ||
		slices.ContainsFunc(p.prefixes, func(prefix string) bool { return strings.HasPrefix(medium, prefix) }) ||
		slices.ContainsFunc(p.substrings, func(part string) bool { return strings.Contains(medium, part) })
}

// UTM medium patterns. paidMediums follows the paid medium expression of
// GA4's default channel group, ^(.*cp.*|ppc|retargeting|paid.*)$. It also
// accepts sem, and ppc, retargeting or remarketing followed by more words,
// as in ppc-brand.
var (
	paidMediums = mediumPattern{
		names:      []string{"sem"},
		prefixes:   []string{"ppc", "paid", "retargeting", "remarketing"},
		substrings: []string{"cp"},
	}
	paidSearchMediums = mediumPattern{names: []string{"paid-search", "paidsearch", "sem"}}
	paidSocialMediums = mediumPattern{names: []string{"paid-social", "paidsocial", "social-paid"}}
	emailMediums      = mediumPattern{names: []string{"email", "e-mail", "newsletter"}}
	smsMediums        = mediumPattern{names: []string{"sms", "text"}}
	displayMediums    = mediumPattern{names: []string{"display", "banner", "cpm", "programmatic", "expandable", "interstitial"}}
	affiliateMediums  = mediumPattern{names: []string{"affiliate", "affiliates", "partner", "partners"}}
	videoMediums      = mediumPattern{names: []string{"video"}}
	socialMediums     = mediumPattern{names: []string{"social", "social-network", "social-media", "sm", "organic-social"}}
	organicMediums    = mediumPattern{names: []string{"organic"}}
	referralMediums   = mediumPattern{names: []string{"referral"}}
)

// utmRule assigns channel when the UTM medium matches mediums and, unless
// site is categoryNone, the visit's site category (see ClassifyChannel) is
// site.
type utmRule struct {
	mediums mediumPattern
	site    hostCategory
	channel MarketingChannel
}

// utmRules are tried in order, and the first match wins. Display comes
// before the paid rules because cpm contains "cp".
//
// A paid medium whose site is of no search, social or video category is
// ChannelOther. GA4 calls such traffic "Paid Other", and OTHER is our
// nearest value: PAID_SEARCH would count ads on review sites, newsletters
// or unknown networks as search spend, and DISPLAY would claim an ad format
// that nothing in the visit shows. The stored UTM medium still marks the
// visit as paid.
var utmRules = []utmRule{
	{paidSocialMediums, categoryNone, ChannelPaidSocial},
	{displayMediums, categoryNone, ChannelDisplay},
	{paidMediums, categorySearch, ChannelPaidSearch},
	{paidMediums, categorySocial, ChannelPaidSocial},
	{paidMediums, categoryVideo, ChannelVideo},
	{paidSearchMediums, categoryNone, ChannelPaidSearch},
	{paidMediums, categoryNone, ChannelOther},
	{emailMediums, categoryNone, ChannelEmail},
	{smsMediums, categoryNone, ChannelSMS},
	{affiliateMediums, categoryNone, ChannelAffiliate},
	{videoMediums, categoryNone, ChannelVideo},
	{socialMediums, categoryNone, ChannelOrganicSocial},
	{organicMediums, categorySocial, ChannelOrganicSocial},
	{organicMediums, categoryVideo, ChannelVideo},
	{organicMediums, categoryNone, ChannelOrganicSearch},
	{referralMediums, categoryNone, ChannelReferral},
}

// siteChannels gives the channel of a site category for a visit that no
// UTM rule matches: one without UTM source and medium whose referrer is a
// known site of another domain, or one whose medium is empty or
// unrecognised.
var siteChannels = map[hostCategory]MarketingChannel{
	categorySearch: ChannelOrganicSearch,
	categorySocial: ChannelOrganicSocial,
	categoryVideo:  ChannelVideo,
	categoryEmail:  ChannelEmail,
	categorySMS:    ChannelSMS,
}

// searchClickIDs are the query parameters that search ad platforms add to
// the landing page URL of an ad click: gclid, gbraid and wbraid from Google
// Ads, msclkid from Microsoft Advertising.
var searchClickIDs = []string{"gclid", "gbraid", "wbraid", "msclkid"}

// ClassifyChannel returns the marketing channel of a visit. A landing page URL
// or first touch with a non-empty search click id (see searchClickIDs) is
// ChannelPaidSearch when the referrer is a search engine or the UTM source
// and medium are both empty.
//
// Otherwise, when the UTM source or medium is set, the medium decides by
// utmRules. The site category that some rules need is that of the UTM
// source or, when the source has none, of the referrer. A medium that no
// rule matches, empty included, gives the channel of that site category
// (see siteChannels), or ChannelOther when it has none.
//
// Without UTM source and medium, the referrer decides: none or one on the
// landing page's own domain is ChannelDirect, a known site or Android app
// gets its channel from siteChannels, and any other site or app is
// ChannelReferral. An unparsable referrer counts as none. UTM campaign, term
// and content do not affect the result.
//
// NOTE: Google Ads also adds gclid to clicks on its display and video ads, so
// such a click without UTM source and medium counts as paid search.
func ClassifyChannel(a Attribution) MarketingChannel {
	source := normalizeUTMWords(a.UTM.Source)
	medium := normalizeUTMWords(a.UTM.Medium)
	ref := parseReferrer(a.Referrer)
	hasUTM := source != "" || medium != ""

	clicked := hasSearchClickID(a.PageURL) || hasSearchClickID("/?"+strings.TrimPrefix(a.FirstTouch, "?"))
	if clicked && (!hasUTM || ref.category == categorySearch) {
		return ChannelPaidSearch
	}

	if hasUTM {
		site := sourceCategoryOf(source)
		if site == categoryNone {
			site = ref.category
		}
		for _, rule := range utmRules {
			if !rule.mediums.match(medium) {
				continue
			}
			if rule.site == categoryNone || rule.site == site {
				return rule.channel
			}
		}
		if channel, ok := siteChannels[site]; ok {
			return channel
		}
		return ChannelOther
	}

	if ref.host == "" || (!ref.app && sameSite(ref.host, hostOf(a.PageURL))) {
		return ChannelDirect
	}
	if channel, ok := siteChannels[ref.category]; ok {
		return channel
	}
	return ChannelReferral
}

// normalizeUTMWords lowercases and trims a UTM medium or source and replaces
// each run of spaces, '+', '_' and '-' with one '-', so that "Paid Social",
// "paid+social" and "paid_social" all read "paid-social".
func normalizeUTMWords(value string) string {
	isSeparator := func(r rune) bool { return r == ' ' || r == '+' || r == '_' || r == '-' }
	words := strings.FieldsFunc(strings.ToLower(value), func(r rune) bool {
		return isSeparator(r) || unicode.IsSpace(r)
	})
	return strings.Join(words, "-")
}

// hasSearchClickID reports whether the query of pageURL has a non-empty
// value for one of searchClickIDs. Names are matched case-sensitively
// because the ad platforms add them in lowercase.
func hasSearchClickID(pageURL string) bool {
	u, err := url.Parse(strings.TrimSpace(pageURL))
	if err != nil || u.RawQuery == "" {
		return false
	}
	query := parseQuery(u.RawQuery)
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

// referrerSite is the site or Android app that a visit came from.
type referrerSite struct {
	// host is the lowercased host name, or the package name of an app.
	host     string
	app      bool
	category hostCategory
}

// parseReferrer reads a referrer URL. An android-app://package/ URL names
// the Android app that opened the page, and any other absolute URL names a
// site.
func parseReferrer(rawURL string) referrerSite {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return referrerSite{}
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return referrerSite{}
	}
	if u.Scheme == "android-app" {
		return referrerSite{host: host, app: true, category: knownApps[host]}
	}
	return referrerSite{host: host, category: hostCategoryOf(host)}
}

// sourceCategoryOf returns the category of a source after normalizeUTMWords.
// A known name or host decides first. Otherwise the first known name of two
// or more letters among its words decides, so facebook-ads is social.
func sourceCategoryOf(source string) hostCategory {
	if category, ok := knownSourceNames[source]; ok {
		return category
	}
	if category := hostCategoryOf(source); category != categoryNone {
		return category
	}
	words := strings.FieldsFunc(source, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	for _, word := range words {
		// One letter, such as x, is too common inside other names.
		if category, ok := knownSourceNames[word]; ok && len(word) >= 2 {
			return category
		}
	}
	return categoryNone
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
// pattern "name.*" matches only name and www.name under a suffix that
// isSearchSuffix accepts.
func matchHost(host, pattern string) bool {
	name, anySuffix := strings.CutSuffix(pattern, ".*")
	if !anySuffix {
		return host == pattern || strings.HasSuffix(host, "."+pattern)
	}
	suffix, ok := strings.CutPrefix(strings.TrimPrefix(host, "www."), name+".")
	return ok && isSearchSuffix(suffix)
}

// genericTLDs are the generic top-level domains under which search engines
// and social sites of the "name.*" patterns serve their pages.
var genericTLDs = map[string]bool{"com": true, "net": true, "org": true}

// isSearchSuffix reports whether suffix is one of genericTLDs, a two-letter
// country code, or one of secondLevelLabels under a country code, as in
// co.uk. Other suffixes, such as google.attacker, are rejected.
func isSearchSuffix(suffix string) bool {
	labels := strings.Split(suffix, ".")
	switch len(labels) {
	case 1:
		return genericTLDs[labels[0]] || isCountryCode(labels[0])
	case 2:
		return secondLevelLabels[labels[0]] && isCountryCode(labels[1])
	}
	return false
}

// isCountryCode reports whether label is two ASCII letters, the form of
// every country-code top-level domain.
func isCountryCode(label string) bool {
	return len(label) == 2 && isASCIILetter(label[0]) && isASCIILetter(label[1])
}

func isASCIILetter(c byte) bool {
	return 'a' <= c && c <= 'z'
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
