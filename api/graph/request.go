package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"customevents/app/apitype"
)

// exampleRequest is the request body that error messages offer as a model.
const exampleRequest = `{"query": "{ customEvents { slug } }"}`

// readQuery returns the GraphQL document of a request: the query member of
// a POST's JSON body, or the query parameter of a GET. It checks them as
// gqlgen's transports decode them next. A request that they would reject,
// with an error that repeats the body and has no code, gets
// BAD_USER_INPUT with the fix here, and readQuery returns false.
func readQuery(w http.ResponseWriter, r *http.Request) (string, bool) {
	var query, problem string
	switch r.Method {
	case http.MethodPost:
		body, ok := readJSONBody(w, r)
		if !ok {
			return "", false
		}
		query, problem = decodeBody(body)
	case http.MethodGet:
		query, problem = decodeURLParams(r.URL.RawQuery)
	default:
		w.Header().Set("Allow", "GET, POST")
		writeRequestError(w, http.StatusMethodNotAllowed, apitype.CodeBadUserInput,
			fmt.Sprintf("Method %s is not supported: send requests by POST with a JSON body, or queries by GET.", r.Method))
		return "", false
	}

	if problem == "" && strings.TrimSpace(query) == "" {
		problem = "query is missing or empty: send the GraphQL document as a string, such as " + exampleRequest + "."
	}
	if problem == "" {
		if escape, found := documentLoneSurrogate(query); found {
			problem = loneSurrogateMessage("query", escape)
		}
	}
	if problem != "" {
		writeRequestError(w, http.StatusBadRequest, apitype.CodeBadUserInput, problem)
		return "", false
	}
	return query, true
}

// readJSONBody reads a POST body of at most maxRequestBodyBytes that holds
// valid JSON, puts it back on r for gqlgen and returns it. Otherwise it
// sends an error with an extensions.code and returns false, so every reply
// of the endpoint carries a code.
func readJSONBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	mediaType, mediaParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType != "application/json" {
		writeRequestError(w, http.StatusUnsupportedMediaType, apitype.CodeBadUserInput,
			fmt.Sprintf("Content-Type %q is not supported: send the request as application/json, such as {\"query\": \"{ customEvents { slug } }\"}.", r.Header.Get("Content-Type")))
		return nil, false
	}
	if charset, ok := mediaParams["charset"]; ok && !strings.EqualFold(charset, "utf-8") && !strings.EqualFold(charset, "utf8") {
		writeRequestError(w, http.StatusUnsupportedMediaType, apitype.CodeBadUserInput,
			fmt.Sprintf("Content-Type charset %q is not supported: send the body in UTF-8, with charset=utf-8 or no charset.", charset))
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBodyBytes))
	if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
		writeRequestError(w, http.StatusRequestEntityTooLarge, apitype.CodeBadUserInput,
			fmt.Sprintf("Request body is larger than %d bytes: send fewer inputs per call.", maxRequestBodyBytes))
		return nil, false
	}
	if err != nil {
		writeRequestError(w, http.StatusBadRequest, apitype.CodeBadUserInput, "Request body could not be read: send it again.")
		return nil, false
	}
	if !json.Valid(body) {
		message := "Request body is not valid JSON: send an object such as " + exampleRequest + "."
		if exceedsJSONDepth(body, maxJSONDepth) {
			message = fmt.Sprintf("Request body nests arrays and objects more than %d levels deep, which the server does not decode: send variables with fewer levels, such as metadata as one flat object.", maxJSONDepth)
		}
		writeRequestError(w, http.StatusBadRequest, apitype.CodeBadUserInput, message)
		return nil, false
	}
	if problem := textProblem("Request body", body); problem != "" {
		writeRequestError(w, http.StatusBadRequest, apitype.CodeBadUserInput, problem)
		return nil, false
	}
	if path, key, found := duplicateKey(body); found {
		writeRequestError(w, http.StatusBadRequest, apitype.CodeBadUserInput, duplicateKeyMessage("Request body", path, key))
		return nil, false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	return body, true
}

// maxJSONDepth is the deepest nesting of arrays and objects that Go's
// encoding/json decodes (maxNestingDepth in its scanner, Go 1.26).
// json.Valid reports a deeper document as invalid.
const maxJSONDepth = 10_000

// exceedsJSONDepth reports whether text nests arrays and objects more
// than limit levels deep. It skips brackets inside strings and does not
// check the rest of the syntax.
func exceedsJSONDepth(text []byte, limit int) bool {
	depth := 0
	inString, escaped := false, false
	for _, c := range text {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case inString:
		case c == '[' || c == '{':
			depth++
			if depth > limit {
				return true
			}
		case c == ']' || c == '}':
			depth--
		}
	}
	return false
}

// requestBody contains the members of a POST body, named as in gqlgen's
// RawParams. Variables and extensions stay raw: gqlgen decodes them into
// maps next, so decoding them here too would build every map twice.
type requestBody struct {
	Query         string          `json:"query"`
	OperationName string          `json:"operationName"`
	Variables     json.RawMessage `json:"variables"`
	Extensions    json.RawMessage `json:"extensions"`
}

// decodeBody decodes a valid JSON body. It returns the query, and what is
// wrong with the body for the client, or "" when gqlgen's POST transport
// decodes it. That takes an object whose query and operationName are
// strings or null, and whose variables and extensions are objects or null.
func decodeBody(body []byte) (query, problem string) {
	switch kind := jsonKind(body); kind {
	case "object":
	case "array":
		return "", "Request body is a JSON array, not an object: send one request as an object such as " + exampleRequest +
			", because batches of requests are not supported."
	default:
		return "", fmt.Sprintf("Request body is a JSON %s, not an object: send the request as an object such as %s.", kind, exampleRequest)
	}

	var members requestBody
	err := json.Unmarshal(body, &members)
	if typeErr, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		// Value is a JSON type name such as "array", or "number 5".
		kind, _, _ := strings.Cut(typeErr.Value, " ")
		if kind == "bool" {
			kind = "boolean"
		}
		return "", memberTypeMessage(typeErr.Field, kind)
	}
	if err != nil {
		return "", "Request body could not be decoded: send an object such as " + exampleRequest + "."
	}
	for _, member := range []struct {
		name string
		raw  json.RawMessage
	}{{"variables", members.Variables}, {"extensions", members.Extensions}} {
		if kind := jsonKind(member.raw); member.raw != nil && kind != "object" && kind != "null" {
			return "", memberTypeMessage(member.name, kind)
		}
	}
	return members.Query, ""
}

// memberTypeMessage returns the client message for a member of the request
// object whose JSON value has the wrong type.
func memberTypeMessage(member, kind string) string {
	switch member {
	case "query":
		return fmt.Sprintf("query is a JSON %s, not a string: send the GraphQL document as a string, such as %s.", kind, exampleRequest)
	case "operationName":
		return fmt.Sprintf("operationName is a JSON %s, not a string: send the name of an operation in the query, or leave it out.", kind)
	case "variables":
		return fmt.Sprintf(`variables is a JSON %s, not an object: send the variables as an object such as {"slug": "watched-demo-video"}, or leave them out.`, kind)
	}
	return fmt.Sprintf("%s is a JSON %s, not an object: send it as an object, or leave it out.", member, kind)
}

// decodeURLParams returns the query parameter of a GET request, and what is
// wrong with the parameters for the client, or "".
func decodeURLParams(rawQuery string) (query, problem string) {
	values, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "", "URL query string is not valid: percent-encode the values of query, operationName and variables."
	}

	// gqlgen decodes both into a map, which takes a JSON object or null.
	for _, name := range []string{"variables", "extensions"} {
		text := []byte(values.Get(name))
		if len(text) == 0 {
			continue
		}
		if !json.Valid(text) && name == "variables" {
			return "", `variables is not valid JSON: send a percent-encoded JSON object such as {"slug": "watched-demo-video"}, or leave it out.`
		}
		if !json.Valid(text) {
			return "", name + " is not valid JSON: send a percent-encoded JSON object, or leave it out."
		}
		if kind := jsonKind(text); kind != "object" && kind != "null" {
			return "", memberTypeMessage(name, kind)
		}
		if problem := textProblem(name, text); problem != "" {
			return "", problem
		}
		if path, key, found := duplicateKey(text); found {
			return "", duplicateKeyMessage(name, path, key)
		}
	}
	if !utf8.ValidString(values.Get("query")) {
		return "", "query is not valid UTF-8: send the GraphQL document in UTF-8, percent-encoded."
	}
	return values.Get("query"), ""
}

// textProblem returns the client message for JSON text that holds
// something other than Unicode text: bytes that are not UTF-8, or a \u
// escape of a UTF-16 surrogate that no other escape pairs with. Go's
// decoders would turn either into U+FFFD, so two different inputs, such
// as two idempotency keys, would be stored as one. It returns "" for
// valid text.
func textProblem(source string, text []byte) string {
	if !utf8.Valid(text) {
		return source + " is not valid UTF-8: send the text in UTF-8."
	}
	if escape, found := loneSurrogate(text); found {
		return loneSurrogateMessage(source, escape)
	}
	return ""
}

func loneSurrogateMessage(source, escape string) string {
	return fmt.Sprintf(`%s has the escape %s, half of a UTF-16 surrogate pair, without its other half: send the character itself, or both halves such as \ud83d\ude00.`, source, escape)
}

// documentLoneSurrogate returns the first \uXXXX escape in a string
// literal of a GraphQL document that is half of a surrogate pair without
// the other half, as loneSurrogate does for JSON. The GraphQL lexer would
// read it as U+FFFD. Block strings ("""...""") have no \u escapes, and
// comments run to the end of the line, so both are skipped.
func documentLoneSurrogate(document string) (string, bool) {
	text := []byte(document)
	for i := 0; i < len(text); i++ {
		switch {
		case text[i] == '#':
			for i < len(text) && text[i] != '\n' && text[i] != '\r' {
				i++
			}
		case bytes.HasPrefix(text[i:], []byte(`"""`)):
			i += 3
			for i < len(text) && !bytes.HasPrefix(text[i:], []byte(`"""`)) {
				if bytes.HasPrefix(text[i:], []byte(`\"""`)) {
					i += 3
				}
				i++
			}
			i += 2
		case text[i] == '"':
			end := i + 1
			for end < len(text) && text[end] != '"' && text[end] != '\n' {
				if text[end] == '\\' {
					end++
				}
				end++
			}
			if escape, found := loneSurrogate(text[i:min(end, len(text))]); found {
				return escape, true
			}
			i = end
		}
	}
	return "", false
}

// loneSurrogate returns the first \uXXXX escape in text whose code is a
// UTF-16 high surrogate not followed by a low one, or a low surrogate not
// preceded by a high one. It reads escapes wherever a backslash starts
// one, which is inside strings in valid JSON.
func loneSurrogate(text []byte) (string, bool) {
	for i := 0; i < len(text); i++ {
		if text[i] != '\\' {
			continue
		}
		code, ok := unicodeEscape(text, i)
		if !ok {
			// Another escape, such as \" or \\: skip its second byte.
			i++
			continue
		}
		escape := string(text[i : i+6])
		switch {
		case code >= 0xD800 && code <= 0xDBFF:
			if low, ok := unicodeEscape(text, i+6); ok && low >= 0xDC00 && low <= 0xDFFF {
				i += 11
				continue
			}
			return escape, true
		case code >= 0xDC00 && code <= 0xDFFF:
			return escape, true
		}
		i += 5
	}
	return "", false
}

// unicodeEscape returns the code of the \uXXXX escape at text[i:], and
// false when none starts there.
func unicodeEscape(text []byte, i int) (uint64, bool) {
	if i+6 > len(text) || text[i] != '\\' || text[i+1] != 'u' {
		return 0, false
	}
	code, err := strconv.ParseUint(string(text[i+2:i+6]), 16, 16)
	return code, err == nil
}

// jsonKind returns the type of the JSON value that text starts with, as
// JSON names it: object, array, string, number, boolean or null.
func jsonKind(text []byte) string {
	text = bytes.TrimLeft(text, " \t\r\n")
	if len(text) == 0 {
		return "value"
	}
	switch text[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}
