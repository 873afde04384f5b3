package apitype

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClassifyChannel(t *testing.T) {
	const page = "https://www.example.com/pricing"
	tests := []struct {
		name string
		in   Attribution
		want MarketingChannel
	}{
		// One or more cases for each channel.
		{name: "no referrer no UTM", in: Attribution{PageURL: page}, want: ChannelDirect},
		{name: "no referrer no page", in: Attribution{}, want: ChannelDirect},
		{name: "own site same host", in: Attribution{Referrer: "https://www.example.com/", PageURL: page}, want: ChannelDirect},
		{name: "own site subdomain", in: Attribution{Referrer: "https://shop.example.com/cart", PageURL: page}, want: ChannelDirect},
		{name: "own site apex", in: Attribution{Referrer: "https://example.com/", PageURL: page}, want: ChannelDirect},
		{name: "own site country suffix", in: Attribution{Referrer: "https://blog.example.co.uk/", PageURL: "https://www.example.co.uk/"}, want: ChannelDirect},
		{name: "own site IP with port", in: Attribution{Referrer: "http://127.0.0.1:8080/a", PageURL: "http://127.0.0.1:8080/b"}, want: ChannelDirect},
		{name: "unparsable referrer", in: Attribution{Referrer: "http://[::1", PageURL: page}, want: ChannelDirect},
		{name: "referrer without scheme", in: Attribution{Referrer: "www.google.com", PageURL: page}, want: ChannelDirect},
		{name: "google referrer", in: Attribution{Referrer: "https://www.google.com/", PageURL: page}, want: ChannelOrganicSearch},
		{name: "google country suffix", in: Attribution{Referrer: "https://www.google.co.uk/", PageURL: page}, want: ChannelOrganicSearch},
		{name: "google com.au", in: Attribution{Referrer: "https://google.com.au/search", PageURL: page}, want: ChannelOrganicSearch},
		{name: "bing uppercase host", in: Attribution{Referrer: "https://WWW.BING.COM/search?q=x", PageURL: page}, want: ChannelOrganicSearch},
		{name: "duckduckgo with port", in: Attribution{Referrer: "https://duckduckgo.com:443/", PageURL: page}, want: ChannelOrganicSearch},
		{name: "yandex country", in: Attribution{Referrer: "https://yandex.ru/", PageURL: page}, want: ChannelOrganicSearch},
		{name: "google label inside other domain", in: Attribution{Referrer: "https://google.example.org/", PageURL: page}, want: ChannelReferral},
		{name: "facebook mobile", in: Attribution{Referrer: "https://m.facebook.com/", PageURL: page}, want: ChannelOrganicSocial},
		{name: "facebook link shim", in: Attribution{Referrer: "https://l.facebook.com/l.php", PageURL: page}, want: ChannelOrganicSocial},
		{name: "t.co", in: Attribution{Referrer: "https://t.co/abc", PageURL: page}, want: ChannelOrganicSocial},
		{name: "lnkd.in", in: Attribution{Referrer: "https://lnkd.in/xyz", PageURL: page}, want: ChannelOrganicSocial},
		{name: "pinterest country", in: Attribution{Referrer: "https://www.pinterest.de/", PageURL: page}, want: ChannelOrganicSocial},
		{name: "youtube referrer", in: Attribution{Referrer: "https://www.youtube.com/watch?v=1", PageURL: page}, want: ChannelVideo},
		{name: "youtu.be referrer", in: Attribution{Referrer: "https://youtu.be/1", PageURL: page}, want: ChannelVideo},
		{name: "gmail referrer", in: Attribution{Referrer: "https://mail.google.com/mail/u/0/", PageURL: page}, want: ChannelEmail},
		{name: "yahoo mail referrer", in: Attribution{Referrer: "https://mail.yahoo.com/", PageURL: page}, want: ChannelEmail},
		{name: "other site", in: Attribution{Referrer: "https://news.example.org/post", PageURL: page}, want: ChannelReferral},
		{name: "docs.google.com", in: Attribution{Referrer: "https://docs.google.com/document/d/1", PageURL: page}, want: ChannelReferral},
		{name: "translate.google.com", in: Attribution{Referrer: "https://translate.google.com/", PageURL: page}, want: ChannelReferral},
		{name: "play.google.com", in: Attribution{Referrer: "https://play.google.com/store", PageURL: page}, want: ChannelReferral},
		{name: "sites.google.com", in: Attribution{Referrer: "https://sites.google.com/view/x", PageURL: page}, want: ChannelReferral},
		{name: "accounts.google.com", in: Attribution{Referrer: "https://accounts.google.com/", PageURL: page}, want: ChannelReferral},
		{name: "google without www", in: Attribution{Referrer: "https://google.de/", PageURL: page}, want: ChannelOrganicSearch},
		{name: "google under unknown suffix", in: Attribution{Referrer: "https://google.attacker/", PageURL: page}, want: ChannelReferral},
		{name: "yahoo under example suffix", in: Attribution{Referrer: "https://yahoo.example/", PageURL: page}, want: ChannelReferral},
		{name: "google under three labels", in: Attribution{Referrer: "https://www.google.co.uk.example.org/", PageURL: page}, want: ChannelReferral},
		{name: "yahoo search subdomain", in: Attribution{Referrer: "https://uk.search.yahoo.com/search", PageURL: page}, want: ChannelOrganicSearch},
		{name: "ya.ru", in: Attribution{Referrer: "https://ya.ru/", PageURL: page}, want: ChannelOrganicSearch},
		{name: "pinterest country subdomain", in: Attribution{Referrer: "https://nl.pinterest.com/", PageURL: page}, want: ChannelOrganicSocial},
		{name: "android gmail app", in: Attribution{Referrer: "android-app://com.google.android.gm/", PageURL: page}, want: ChannelEmail},
		{name: "android google app", in: Attribution{Referrer: "android-app://com.google.android.googlequicksearchbox/", PageURL: page}, want: ChannelOrganicSearch},
		{name: "android google app origin", in: Attribution{Referrer: "android-app://com.google.android.googlequicksearchbox", PageURL: page}, want: ChannelOrganicSearch},
		{name: "android facebook app", in: Attribution{Referrer: "android-app://com.facebook.katana/", PageURL: page}, want: ChannelOrganicSocial},
		{name: "android linkedin app", in: Attribution{Referrer: "android-app://com.linkedin.android/", PageURL: page}, want: ChannelOrganicSocial},
		{name: "android twitter app", in: Attribution{Referrer: "android-app://com.twitter.android/", PageURL: page}, want: ChannelOrganicSocial},
		{name: "android youtube app", in: Attribution{Referrer: "android-app://com.google.android.youtube/", PageURL: page}, want: ChannelVideo},
		{name: "android other app", in: Attribution{Referrer: "android-app://org.example.reader/", PageURL: page}, want: ChannelReferral},
		{name: "android app named like the site", in: Attribution{Referrer: "android-app://com.example.www/", PageURL: "https://www.example.com/"}, want: ChannelReferral},
		{name: "android app gclid", in: Attribution{Referrer: "android-app://com.google.android.googlequicksearchbox/", PageURL: page + "?gclid=x"}, want: ChannelPaidSearch},
		{name: "android app UTM email", in: Attribution{UTM: UTM{Source: "crm", Medium: "qr"}, Referrer: "android-app://com.google.android.gm/", PageURL: page}, want: ChannelEmail},
		{name: "android app without package", in: Attribution{Referrer: "android-app:///", PageURL: page}, want: ChannelDirect},
		{name: "other site with port", in: Attribution{Referrer: "http://partner.example.net:8080/", PageURL: page}, want: ChannelReferral},
		{name: "other site no page URL", in: Attribution{Referrer: "https://www.example.com/"}, want: ChannelReferral},

		// UTM medium decides before the referrer.
		{name: "cpc with search referrer", in: Attribution{UTM: UTM{Medium: "cpc"}, Referrer: "https://www.google.com/", PageURL: page}, want: ChannelPaidSearch},
		{name: "cpc with search source", in: Attribution{UTM: UTM{Source: "google", Medium: "cpc"}, PageURL: page}, want: ChannelPaidSearch},
		{name: "uppercase CPC", in: Attribution{UTM: UTM{Source: "Bing", Medium: "CPC"}, PageURL: page}, want: ChannelPaidSearch},
		// A paid medium from a source of no known category is "Paid Other"
		// in GA4, and OTHER here.
		{name: "cpc unknown source", in: Attribution{UTM: UTM{Source: "newsletter-partner", Medium: "cpc"}}, want: ChannelOther},
		{name: "paid_search underscore", in: Attribution{UTM: UTM{Source: "google", Medium: "paid_search"}}, want: ChannelPaidSearch},
		{name: "paid with social referrer", in: Attribution{UTM: UTM{Medium: "paid"}, Referrer: "https://l.facebook.com/", PageURL: page}, want: ChannelPaidSocial},
		{name: "cpc with social source", in: Attribution{UTM: UTM{Source: "facebook", Medium: "cpc"}}, want: ChannelPaidSocial},
		{name: "cpc with social host source", in: Attribution{UTM: UTM{Source: "www.linkedin.com", Medium: "cpc"}}, want: ChannelPaidSocial},
		{name: "paid-social medium", in: Attribution{UTM: UTM{Source: "newsletter", Medium: "paid-social"}}, want: ChannelPaidSocial},
		{name: "paid_social medium", in: Attribution{UTM: UTM{Medium: "Paid_Social"}}, want: ChannelPaidSocial},
		{name: "cpc with video source", in: Attribution{UTM: UTM{Source: "youtube", Medium: "cpc"}}, want: ChannelVideo},
		{name: "video medium", in: Attribution{UTM: UTM{Source: "vimeo", Medium: "video"}}, want: ChannelVideo},
		{name: "email medium", in: Attribution{UTM: UTM{Source: "newsletter", Medium: "email"}}, want: ChannelEmail},
		{name: "e-mail medium", in: Attribution{UTM: UTM{Medium: "E-Mail"}}, want: ChannelEmail},
		{name: "sms medium", in: Attribution{UTM: UTM{Source: "twilio", Medium: "sms"}}, want: ChannelSMS},
		{name: "display medium", in: Attribution{UTM: UTM{Source: "dv360", Medium: "display"}}, want: ChannelDisplay},
		{name: "cpm medium", in: Attribution{UTM: UTM{Source: "google", Medium: "cpm"}}, want: ChannelDisplay},
		{name: "affiliate medium", in: Attribution{UTM: UTM{Source: "awin", Medium: "affiliate"}}, want: ChannelAffiliate},
		{name: "social medium", in: Attribution{UTM: UTM{Source: "facebook", Medium: "social"}}, want: ChannelOrganicSocial},
		{name: "organic medium", in: Attribution{UTM: UTM{Source: "google", Medium: "organic"}}, want: ChannelOrganicSearch},
		{name: "organic with social source", in: Attribution{UTM: UTM{Source: "instagram", Medium: "organic"}}, want: ChannelOrganicSocial},
		{name: "organic with video source", in: Attribution{UTM: UTM{Source: "youtube", Medium: "organic"}}, want: ChannelVideo},
		{name: "referral medium", in: Attribution{UTM: UTM{Source: "partner.example.org", Medium: "referral"}}, want: ChannelReferral},
		// An unrecognised or empty medium falls back on the source's
		// category, then on the referrer's.
		{name: "unknown medium search source", in: Attribution{UTM: UTM{Source: "google", Medium: "qr-code"}}, want: ChannelOrganicSearch},
		{name: "unknown medium unknown source", in: Attribution{UTM: UTM{Source: "flyer", Medium: "qr-code"}}, want: ChannelOther},
		{name: "source only", in: Attribution{UTM: UTM{Source: "google"}, Referrer: "https://www.google.com/", PageURL: page}, want: ChannelOrganicSearch},
		{name: "medium with spaces", in: Attribution{UTM: UTM{Medium: "  email  "}}, want: ChannelEmail},
		{name: "campaign only uses referrer", in: Attribution{UTM: UTM{Campaign: "spring"}, Referrer: "https://www.bing.com/", PageURL: page}, want: ChannelOrganicSearch},
		{name: "facebook source only", in: Attribution{UTM: UTM{Source: "facebook"}, PageURL: page}, want: ChannelOrganicSocial},
		{name: "facebook source only facebook referrer", in: Attribution{UTM: UTM{Source: "facebook"}, Referrer: "https://l.facebook.com/", PageURL: page}, want: ChannelOrganicSocial},
		{name: "linkedin post", in: Attribution{UTM: UTM{Source: "linkedin", Medium: "post"}}, want: ChannelOrganicSocial},
		{name: "instagram story", in: Attribution{UTM: UTM{Source: "instagram", Medium: "story"}}, want: ChannelOrganicSocial},
		{name: "facebook organic_social", in: Attribution{UTM: UTM{Source: "facebook", Medium: "organic_social"}}, want: ChannelOrganicSocial},
		{name: "youtube description", in: Attribution{UTM: UTM{Source: "youtube", Medium: "description"}}, want: ChannelVideo},
		{name: "email source only", in: Attribution{UTM: UTM{Source: "email"}}, want: ChannelEmail},
		{name: "e mail source only", in: Attribution{UTM: UTM{Source: "E Mail"}}, want: ChannelEmail},
		{name: "sms source only", in: Attribution{UTM: UTM{Source: "sms"}}, want: ChannelSMS},
		{name: "newsletter source only", in: Attribution{UTM: UTM{Source: "newsletter"}}, want: ChannelOther},
		{name: "unknown source social referrer", in: Attribution{UTM: UTM{Source: "spring-promo"}, Referrer: "https://t.co/x", PageURL: page}, want: ChannelOrganicSocial},
		{name: "unknown source webmail referrer", in: Attribution{UTM: UTM{Source: "crm", Medium: "blast"}, Referrer: "https://mail.google.com/", PageURL: page}, want: ChannelEmail},
		{name: "unknown source other referrer", in: Attribution{UTM: UTM{Source: "crm"}, Referrer: "https://news.example.org/", PageURL: page}, want: ChannelOther},
		{name: "unknown source own referrer", in: Attribution{UTM: UTM{Source: "crm"}, Referrer: "https://www.example.com/", PageURL: page}, want: ChannelOther},
		{name: "medium only unknown", in: Attribution{UTM: UTM{Medium: "qr"}}, want: ChannelOther},
		{name: "source category over referrer", in: Attribution{UTM: UTM{Source: "facebook", Medium: "cpc"}, Referrer: "https://www.google.com/", PageURL: page}, want: ChannelPaidSocial},

		// A paid medium takes its channel from the source's category.
		{name: "facebook_ads cpc", in: Attribution{UTM: UTM{Source: "facebook_ads", Medium: "cpc"}}, want: ChannelPaidSocial},
		{name: "fb_ads cpc", in: Attribution{UTM: UTM{Source: "fb_ads", Medium: "cpc"}}, want: ChannelPaidSocial},
		{name: "meta ads cpc", in: Attribution{UTM: UTM{Source: "Meta Ads", Medium: "cpc"}}, want: ChannelPaidSocial},
		{name: "linkedin_ads cpc", in: Attribution{UTM: UTM{Source: "linkedin_ads", Medium: "cpc"}}, want: ChannelPaidSocial},
		{name: "tiktok_ads cpc", in: Attribution{UTM: UTM{Source: "tiktok_ads", Medium: "cpc"}}, want: ChannelPaidSocial},
		{name: "youtube_ads cpc", in: Attribution{UTM: UTM{Source: "youtube_ads", Medium: "cpc"}}, want: ChannelVideo},
		{name: "google-ads cpc", in: Attribution{UTM: UTM{Source: "google-ads", Medium: "cpc"}}, want: ChannelPaidSearch},
		{name: "capterra cpc", in: Attribution{UTM: UTM{Source: "capterra", Medium: "cpc"}}, want: ChannelOther},
		{name: "cpc no source", in: Attribution{UTM: UTM{Medium: "cpc"}, PageURL: page}, want: ChannelOther},
		{name: "cpc email source", in: Attribution{UTM: UTM{Source: "email", Medium: "cpc"}}, want: ChannelOther},
		{name: "one-letter word not a site", in: Attribution{UTM: UTM{Source: "brand_x", Medium: "cpc"}}, want: ChannelOther},
		{name: "paid-search unknown source", in: Attribution{UTM: UTM{Source: "capterra", Medium: "paid-search"}}, want: ChannelPaidSearch},
		{name: "sem unknown source", in: Attribution{UTM: UTM{Source: "capterra", Medium: "sem"}}, want: ChannelPaidSearch},
		{name: "paid-social search source", in: Attribution{UTM: UTM{Source: "google", Medium: "paid-social"}}, want: ChannelPaidSocial},

		// Medium spellings: separators are normalised, and paid mediums
		// follow GA4's pattern.
		{name: "paid social with space", in: Attribution{UTM: UTM{Source: "facebook", Medium: "paid social"}}, want: ChannelPaidSocial},
		{name: "Paid+Social", in: Attribution{UTM: UTM{Source: "newsletter", Medium: "Paid+Social"}}, want: ChannelPaidSocial},
		{name: "ppc_brand", in: Attribution{UTM: UTM{Source: "google", Medium: "ppc_brand"}}, want: ChannelPaidSearch},
		{name: "cpc-retargeting", in: Attribution{UTM: UTM{Source: "google", Medium: "cpc-retargeting"}}, want: ChannelPaidSearch},
		{name: "retargeting facebook", in: Attribution{UTM: UTM{Source: "facebook", Medium: "retargeting"}}, want: ChannelPaidSocial},
		{name: "paid_ig instagram", in: Attribution{UTM: UTM{Source: "instagram", Medium: "paid_ig"}}, want: ChannelPaidSocial},
		{name: "cpc trailing space", in: Attribution{UTM: UTM{Source: "google", Medium: "cpc "}}, want: ChannelPaidSearch},
		{name: "e mail medium", in: Attribution{UTM: UTM{Source: "crm", Medium: "e mail"}}, want: ChannelEmail},
		{name: "e_mail medium", in: Attribution{UTM: UTM{Source: "crm", Medium: "e_mail"}}, want: ChannelEmail},
		{name: "cpm before paid pattern", in: Attribution{UTM: UTM{Source: "facebook", Medium: "cpm"}}, want: ChannelDisplay},
		{name: "words joined without cp", in: Attribution{UTM: UTM{Source: "google", Medium: "basic plan"}}, want: ChannelOrganicSearch},

		// A search click id on the landing page decides before the UTM
		// rules when the referrer is a search engine or there are no UTMs.
		{name: "gclid google referrer", in: Attribution{Referrer: "https://www.google.com/", PageURL: page + "?gclid=Cj0KCQ"}, want: ChannelPaidSearch},
		{name: "gclid no referrer", in: Attribution{PageURL: page + "?gclid=Cj0KCQ"}, want: ChannelPaidSearch},
		{name: "gclid own site referrer", in: Attribution{Referrer: "https://www.example.com/", PageURL: page + "?ref=nav&gclid=Cj0KCQ"}, want: ChannelPaidSearch},
		{name: "gclid social referrer no UTM", in: Attribution{Referrer: "https://l.facebook.com/", PageURL: page + "?gclid=Cj0KCQ"}, want: ChannelPaidSearch},
		{name: "msclkid bing referrer", in: Attribution{Referrer: "https://www.bing.com/", PageURL: page + "?msclkid=7d1f"}, want: ChannelPaidSearch},
		{name: "msclkid no referrer", in: Attribution{PageURL: page + "?msclkid=7d1f"}, want: ChannelPaidSearch},
		{name: "gbraid no referrer", in: Attribution{PageURL: page + "?gbraid=0AAAAA"}, want: ChannelPaidSearch},
		{name: "wbraid no referrer", in: Attribution{PageURL: page + "?wbraid=CjkKCQ"}, want: ChannelPaidSearch},
		{name: "gclid search referrer over UTM", in: Attribution{UTM: UTM{Source: "newsletter", Medium: "email"}, Referrer: "https://www.google.com/", PageURL: page + "?utm_medium=email&gclid=Cj0KCQ"}, want: ChannelPaidSearch},
		{name: "gclid campaign only", in: Attribution{UTM: UTM{Campaign: "spring"}, PageURL: page + "?gclid=Cj0KCQ"}, want: ChannelPaidSearch},
		{name: "gclid UTM webmail referrer", in: Attribution{UTM: UTM{Source: "newsletter", Medium: "email"}, Referrer: "https://mail.google.com/", PageURL: page + "?gclid=Cj0KCQ"}, want: ChannelEmail},
		{name: "gclid UTM no referrer", in: Attribution{UTM: UTM{Source: "facebook", Medium: "social"}, PageURL: page + "?gclid=Cj0KCQ"}, want: ChannelOrganicSocial},
		{name: "gclid empty value", in: Attribution{Referrer: "https://www.google.com/", PageURL: page + "?gclid="}, want: ChannelOrganicSearch},
		{name: "gclid second value", in: Attribution{PageURL: page + "?gclid=&gclid=Cj0KCQ"}, want: ChannelPaidSearch},
		{name: "gclid with semicolon", in: Attribution{PageURL: page + "?gclid=Cj0;KCQ"}, want: ChannelPaidSearch},
		{name: "gclid after bare percent", in: Attribution{PageURL: page + "?q=50%off&gclid=Cj0KCQ"}, want: ChannelPaidSearch},
		{name: "gclid in first touch on a later page", in: Attribution{Referrer: page, PageURL: "https://www.example.com/pricing", FirstTouch: "?gclid=Cj0KCQ"}, want: ChannelPaidSearch},
		{name: "msclkid in first touch without question mark", in: Attribution{PageURL: "https://www.example.com/pricing", FirstTouch: "msclkid=abc"}, want: ChannelPaidSearch},
		{name: "first touch UTM and gclid on a later page", in: Attribution{UTM: UTM{Source: "newsletter", Medium: "email"}, Referrer: page, PageURL: "https://www.example.com/pricing", FirstTouch: "?utm_source=newsletter&utm_medium=email&gclid=Cj0KCQ"}, want: ChannelEmail},
		{name: "gclid uppercase name", in: Attribution{Referrer: "https://www.google.com/", PageURL: page + "?GCLID=Cj0KCQ"}, want: ChannelOrganicSearch},
		{name: "gclid in fragment", in: Attribution{PageURL: page + "#gclid=Cj0KCQ"}, want: ChannelDirect},
		{name: "gclid in referrer only", in: Attribution{Referrer: "https://www.google.com/url?gclid=Cj0KCQ", PageURL: page}, want: ChannelOrganicSearch},
		{name: "gclid unparsable page URL", in: Attribution{Referrer: "https://www.google.com/", PageURL: "http://[::1?gclid=Cj0KCQ"}, want: ChannelOrganicSearch},
	}
	covered := map[MarketingChannel]bool{}
	for _, tt := range tests {
		covered[tt.want] = true
		t.Run(tt.name, func(t *testing.T) {
			if got := ClassifyChannel(tt.in); got != tt.want {
				t.Errorf("ClassifyChannel(%+v) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
	for _, channel := range MarketingChannels {
		if !covered[channel] {
			t.Errorf("no case expects %s", channel)
		}
	}
}

func TestUTMFromURL(t *testing.T) {
	long := strings.Repeat("a", MaxUTMLength+10)
	// 199 ASCII bytes then a 2-byte rune that would end at byte 201.
	splitRune := strings.Repeat("b", MaxUTMLength-1) + "é"
	tests := []struct {
		name string
		url  string
		want UTM
	}{
		{
			name: "all five",
			url:  "https://example.com/?utm_source=Google&utm_medium=CPC&utm_campaign=Spring+Sale&utm_term=Red%20Shoes&utm_content=Banner",
			want: UTM{Source: "google", Medium: "cpc", Campaign: "Spring Sale", Term: "Red Shoes", Content: "Banner"},
		},
		{name: "none", url: "https://example.com/pricing", want: UTM{}},
		{name: "missing some", url: "https://example.com/?utm_source=newsletter", want: UTM{Source: "newsletter"}},
		{name: "other params ignored", url: "https://example.com/?gclid=abc&ref=x", want: UTM{}},
		{name: "trimmed", url: "https://example.com/?utm_source=+%20bing%20+&utm_campaign=%20a%20", want: UTM{Source: "bing", Campaign: "a"}},
		{name: "first repeat wins", url: "https://example.com/?utm_medium=email&utm_medium=sms", want: UTM{Medium: "email"}},
		{name: "cut to max", url: "https://example.com/?utm_campaign=" + long, want: UTM{Campaign: long[:MaxUTMLength]}},
		{name: "cut on rune boundary", url: "https://example.com/?utm_term=" + splitRune, want: UTM{Term: splitRune[:MaxUTMLength-1]}},
		{name: "invalid UTF-8 dropped", url: "https://example.com/?utm_content=a%FFb", want: UTM{Content: "ab"}},
		{
			name: "invisible characters dropped",
			url:  "https://example.com/?utm_source=%1B%5B31mx%0Ay&utm_campaign=%E2%80%AEcba&utm_term=a%E2%80%8Bb",
			want: UTM{Source: "[31mxy", Campaign: "cba", Term: "ab"},
		},
		{name: "invalid escape kept", url: "https://example.com/?utm_term=%zz&utm_source=x", want: UTM{Term: "%zz", Source: "x"}},
		{name: "relative URL", url: "/landing?utm_medium=Social", want: UTM{Medium: "social"}},
		{name: "bad URL", url: "http://[::1?utm_source=google", want: UTM{}},
		{name: "bad escape in host", url: "http://exa%zzmple.com/?utm_source=google", want: UTM{}},
		{name: "empty", url: "", want: UTM{}},
		{name: "semicolon kept", url: "https://example.com/?utm_source=news&utm_campaign=spring;sale", want: UTM{Source: "news", Campaign: "spring;sale"}},
		{name: "bare percent kept", url: "https://example.com/?utm_campaign=50%off&utm_medium=email", want: UTM{Campaign: "50%off", Medium: "email"}},
		{name: "percent at end kept", url: "https://example.com/?utm_term=100%", want: UTM{Term: "100%"}},
		{name: "percent one hex digit kept", url: "https://example.com/?utm_term=a%4", want: UTM{Term: "a%4"}},
		{name: "valid escape next to bare percent", url: "https://example.com/?utm_campaign=%41%%42", want: UTM{Campaign: "A%B"}},
		{name: "lowercase hex escape", url: "https://example.com/?utm_campaign=a%2fb", want: UTM{Campaign: "a/b"}},
		{name: "encoded ampersand", url: "https://example.com/?utm_campaign=a%26b&utm_source=x", want: UTM{Campaign: "a&b", Source: "x"}},
		{name: "encoded equals in value", url: "https://example.com/?utm_campaign=a=b", want: UTM{Campaign: "a=b"}},
		{name: "plus is space", url: "https://example.com/?utm_campaign=a+b", want: UTM{Campaign: "a b"}},
		{name: "encoded plus", url: "https://example.com/?utm_campaign=a%2Bb", want: UTM{Campaign: "a+b"}},
		{name: "escaped name", url: "https://example.com/?utm%5Fsource=x", want: UTM{Source: "x"}},
		{name: "name without value", url: "https://example.com/?utm_source&utm_medium=email", want: UTM{Medium: "email"}},
		{name: "empty first value wins", url: "https://example.com/?utm_source=&utm_source=x", want: UTM{}},
		{name: "empty pairs", url: "https://example.com/?&&utm_source=x&", want: UTM{Source: "x"}},
		{name: "fragment ignored", url: "https://example.com/?utm_source=x#utm_medium=email", want: UTM{Source: "x"}},
		{name: "query only", url: "/?utm_content=a;b", want: UTM{Content: "a;b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := UTMFromURL(tt.url); got != tt.want {
				t.Errorf("UTMFromURL(%q) = %+v, want %+v", tt.url, got, tt.want)
			}
		})
	}
}

func TestUTMLowercaseBeforeCut(t *testing.T) {
	// 'İ' is 2 bytes and lowercases to "i̇", 3 bytes, so the cut must see
	// the lowercased value to stay within MaxUTMLength.
	got := UTMFromURL("https://example.com/?utm_source=" + strings.Repeat("İ", 100))
	if len(got.Source) > MaxUTMLength {
		t.Errorf("len(Source) = %d, want at most %d", len(got.Source), MaxUTMLength)
	}
	if !utf8.ValidString(got.Source) {
		t.Errorf("Source %q is not valid UTF-8", got.Source)
	}
	if got.Source != strings.ToLower(got.Source) {
		t.Errorf("Source %q is not lowercase", got.Source)
	}
}

func TestUTMIsZero(t *testing.T) {
	if !(UTM{}).IsZero() {
		t.Error("UTM{}.IsZero() = false, want true")
	}
	if (UTM{Content: "x"}).IsZero() {
		t.Error("UTM{Content: x}.IsZero() = true, want false")
	}
}

func TestParseMarketingChannel(t *testing.T) {
	for _, channel := range MarketingChannels {
		got, ok := ParseMarketingChannel(string(channel))
		if !ok || got != channel {
			t.Errorf("ParseMarketingChannel(%q) = %q, %v, want %q, true", channel, got, ok, channel)
		}
	}
	tests := []struct {
		in   string
		want MarketingChannel
		ok   bool
	}{
		{in: "paid_search", want: ChannelPaidSearch, ok: true},
		{in: "  Email\n", want: ChannelEmail, ok: true},
		{in: "sms", want: ChannelSMS, ok: true},
		{in: "", ok: false},
		{in: "PAID SEARCH", ok: false},
		{in: "SOCIAL", ok: false},
	}
	for _, tt := range tests {
		got, ok := ParseMarketingChannel(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseMarketingChannel(%q) = %q, %v, want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestMarketingChannelsOrder(t *testing.T) {
	want := []MarketingChannel{
		"DIRECT", "ORGANIC_SEARCH", "PAID_SEARCH", "ORGANIC_SOCIAL", "PAID_SOCIAL", "EMAIL",
		"REFERRAL", "DISPLAY", "AFFILIATE", "VIDEO", "SMS", "OTHER",
	}
	if !slices.Equal(MarketingChannels, want) {
		t.Errorf("MarketingChannels = %v, want %v", MarketingChannels, want)
	}
}

func FuzzUTMFromURL(f *testing.F) {
	f.Add("https://example.com/?utm_source=Google&utm_medium=CPC&utm_campaign=spring")
	f.Add("https://example.com/?utm_term=" + strings.Repeat("é", 150))
	f.Add("https://example.com/?utm_content=%FF%FE")
	f.Add("http://[::1")
	f.Add("/?utm_source=" + strings.Repeat("İ", 120))
	f.Add("/?utm_campaign=50%off;x&utm_term=%4&utm_content=a+%2B%")
	f.Fuzz(func(t *testing.T, rawURL string) {
		got := UTMFromURL(rawURL)
		fields := map[string]string{
			"Source": got.Source, "Medium": got.Medium, "Campaign": got.Campaign,
			"Term": got.Term, "Content": got.Content,
		}
		for name, value := range fields {
			if len(value) > MaxUTMLength {
				t.Errorf("len(%s) = %d, want at most %d", name, len(value), MaxUTMLength)
			}
			if !utf8.ValidString(value) {
				t.Errorf("%s %q is not valid UTF-8", name, value)
			}
		}
	})
}

func FuzzClassifyChannel(f *testing.F) {
	f.Add("google", "cpc", "https://www.google.com/", "https://www.example.com/")
	f.Add("", "", "https://shop.example.com:8443/", "https://www.example.com/")
	f.Add("", "", "https://mail.google.com/", "")
	f.Add("", "", "http://[::1", "::")
	f.Add("x", "Paid_Social", "https://google.co.uk./", "http://127.0.0.1/")
	f.Add("", "", "https://www.bing.com/", "https://www.example.com/?msclkid=7d1f")
	f.Add("facebook_ads", "Paid+Social", "android-app://com.google.android.gm/", "https://www.example.com/")
	f.Add("", "", "https://www.google.attacker/", "https://www.example.com/")
	f.Fuzz(func(t *testing.T, source, medium, referrer, pageURL string) {
		a := Attribution{UTM: UTM{Source: source, Medium: medium}, Referrer: referrer, PageURL: pageURL}
		got := ClassifyChannel(a)
		if !slices.Contains(MarketingChannels, got) {
			t.Errorf("ClassifyChannel(%+v) = %q, not one of MarketingChannels", a, got)
		}
	})
}
