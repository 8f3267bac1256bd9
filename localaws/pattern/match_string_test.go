package pattern

import "testing"

func TestMatchPrefixSuffix(t *testing.T) {
	t.Parallel()
	runMatchCases(t, []matchCase{
		{"prefix", `{"time":[{"prefix":"2017-10-02"}]}`, ec2Event, true},
		{"prefix miss", `{"time":[{"prefix":"2017-10-03"}]}`, ec2Event, false},
		{"prefix is case sensitive", `{"source":[{"prefix":"AWS."}]}`, ec2Event, false},
		{"prefix only strings", `{"n":[{"prefix":"1"}]}`, `{"n":123}`, false},
		{"empty prefix matches any string", `{"s":[{"prefix":""}]}`, `{"s":"abc"}`, true},
		{"empty prefix not a number", `{"s":[{"prefix":""}]}`, `{"s":1}`, false},
		{"prefix in event array", `{"r":[{"prefix":"arn:aws:s3"}]}`, `{"r":["arn:aws:ec2:x","arn:aws:s3:::b"]}`, true},
		{"prefix ignore case", `{"detail":{"service":[{"prefix":{"equals-ignore-case":"EventB"}}]}}`, `{"detail":{"service":"eventbridge"}}`, true},
		{"prefix ignore case upper", `{"s":[{"prefix":{"equals-ignore-case":"eventb"}}]}`, `{"s":"EVENTBRIDGE"}`, true},
		{"prefix ignore case miss", `{"s":[{"prefix":{"equals-ignore-case":"eventc"}}]}`, `{"s":"EVENTBRIDGE"}`, false},
		{"prefix ignore case non-ASCII", `{"s":[{"prefix":{"equals-ignore-case":"ÉCO"}}]}`, `{"s":"école"}`, true},
		{"suffix", `{"FileName":[{"suffix":".png"}]}`, `{"FileName":"image.png"}`, true},
		{"suffix miss", `{"FileName":[{"suffix":".png"}]}`, `{"FileName":"image.PNG"}`, false},
		{"suffix ignore case", `{"detail":{"FileName":[{"suffix":{"equals-ignore-case":".png"}}]}}`, `{"detail":{"FileName":"IMAGE.PNG"}}`, true},
		{"suffix ignore case non-ASCII", `{"s":[{"suffix":{"equals-ignore-case":"ÇÃO"}}]}`, `{"s":"informação"}`, true},
		{"suffix ignore case miss", `{"s":[{"suffix":{"equals-ignore-case":".jpg"}}]}`, `{"s":"a.png"}`, false},
		{"suffix only strings", `{"n":[{"suffix":"3"}]}`, `{"n":123}`, false},
	})
}

func TestMatchEqualsIgnoreCase(t *testing.T) {
	t.Parallel()
	runMatchCases(t, []matchCase{
		{"documented", `{"source":[{"equals-ignore-case":"EC2"}]}`, `{"source":"ec2"}`, true},
		{"mixed case", `{"s":[{"equals-ignore-case":"AbC"}]}`, `{"s":"aBc"}`, true},
		{"longer value", `{"s":[{"equals-ignore-case":"abc"}]}`, `{"s":"abcd"}`, false},
		{"shorter value", `{"s":[{"equals-ignore-case":"abcd"}]}`, `{"s":"abc"}`, false},
		{"accented", `{"s":[{"equals-ignore-case":"ÉCOLE"}]}`, `{"s":"école"}`, true},
		{"greek", `{"s":[{"equals-ignore-case":"ΣΟΦΙΑ"}]}`, `{"s":"σοφια"}`, true},
		{"cyrillic", `{"s":[{"equals-ignore-case":"ПРИВЕТ"}]}`, `{"s":"привет"}`, true},
		{"different byte lengths", `{"s":[{"equals-ignore-case":"k"}]}`, `{"s":"K"}`, true},
		{"sharp s is not ss", `{"s":[{"equals-ignore-case":"STRASSE"}]}`, `{"s":"straße"}`, false},
		{"not a number", `{"s":[{"equals-ignore-case":"1"}]}`, `{"s":1}`, false},
		{"not null", `{"s":[{"equals-ignore-case":"null"}]}`, `{"s":null}`, false},
	})
}

func TestMatchWildcard(t *testing.T) {
	t.Parallel()
	runMatchCases(t, []matchCase{
		{"documented", `{"source":[{"wildcard":"Simple*Service"}]}`, `{"source":"SimpleQueueService"}`, true},
		{"star matches empty", `{"s":[{"wildcard":"Simple*Service"}]}`, `{"s":"SimpleService"}`, true},
		{"anchored at start", `{"s":[{"wildcard":"Simple*Service"}]}`, `{"s":"ASimpleQueueService"}`, false},
		{"anchored at end", `{"s":[{"wildcard":"Simple*Service"}]}`, `{"s":"SimpleQueueServices"}`, false},
		{"only star", `{"s":[{"wildcard":"*"}]}`, `{"s":""}`, true},
		{"no star is exact", `{"s":[{"wildcard":"abc"}]}`, `{"s":"abc"}`, true},
		{"no star is exact miss", `{"s":[{"wildcard":"abc"}]}`, `{"s":"abcd"}`, false},
		{"path", `{"FilePath":[{"wildcard":"*/lib/*"}]}`, `{"FilePath":"/usr/lib/x.so"}`, true},
		{"several stars", `{"s":[{"wildcard":"a*b*c*d"}]}`, `{"s":"a-b-b-c-d"}`, true},
		{"several stars order", `{"s":[{"wildcard":"a*c*b"}]}`, `{"s":"abc"}`, false},
		{"overlapping ends", `{"s":[{"wildcard":"ab*ba"}]}`, `{"s":"aba"}`, false},
		{"overlapping ends ok", `{"s":[{"wildcard":"ab*ba"}]}`, `{"s":"abba"}`, true},
		{"escaped star literal", `{"s":[{"wildcard":"a\\*b"}]}`, `{"s":"a*b"}`, true},
		{"escaped star not wildcard", `{"s":[{"wildcard":"a\\*b"}]}`, `{"s":"axb"}`, false},
		{"escaped backslash", `{"s":[{"wildcard":"a\\\\*"}]}`, `{"s":"a\\bc"}`, true},
		{"escaped backslash needs backslash", `{"s":[{"wildcard":"a\\\\*"}]}`, `{"s":"abc"}`, false},
		{"escaped star then wildcard", `{"s":[{"wildcard":"a\\**"}]}`, `{"s":"a*zzz"}`, true},
		{"non-ASCII", `{"s":[{"wildcard":"ü*ß"}]}`, `{"s":"über-groß"}`, true},
		{"only strings", `{"n":[{"wildcard":"1*"}]}`, `{"n":123}`, false},
	})
}
