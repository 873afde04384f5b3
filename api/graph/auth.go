package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"customevents/app/apitype"
	"customevents/db"
)

// errMissingBearerToken is the error for a request whose Authorization
// header is absent or does not carry a Bearer token.
var errMissingBearerToken = fmt.Errorf("authorization header is missing or is not a Bearer token: %w", db.ErrInvalidAPIKey)

// errNoAuthContext means a resolver ran outside authHandler, which is a
// wiring bug and not the client's fault.
var errNoAuthContext = errors.New("request context has no API key result: serve GraphQL through NewHandler")

type authContextKey struct{}

// authResult is the account that the request's API key belongs to, or the
// error that looking the key up returned.
type authResult struct {
	account *db.Account
	// actor names the key in audit records, such as api-key:ce_AbCdEfG.
	actor string
	err   error
}

// authHandler looks up the request's API key once, before GraphQL
// execution, and stores the result in the request context for the
// resolvers. It also caps the request body size.
type authHandler struct {
	store  *db.Store
	log    *slog.Logger
	next   http.Handler
	limits *accountLimits
}

func (h *authHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && !readJSONBody(w, r) {
		return
	}
	if r.Method == http.MethodGet && getHasMutation(r) {
		writeRequestError(w, http.StatusMethodNotAllowed, apitype.CodeBadUserInput,
			"Mutations cannot be sent with GET: send them with POST and a JSON body.")
		return
	}

	result := &authResult{err: errMissingBearerToken}
	if key, ok := bearerToken(r.Header.Get("Authorization")); ok {
		result.account, result.err = h.store.CachedAccountByAPIKey(r.Context(), key)
		result.actor = db.APIKeyActor(key)
	}
	if result.err == nil && !h.limits.allow(result.account.ID) {
		h.log.WarnContext(r.Context(), "GraphQL request rate limited", "account_id", result.account.ID)
		writeRateLimited(w)
		return
	}
	ctx := context.WithValue(r.Context(), authContextKey{}, result)
	h.next.ServeHTTP(w, r.WithContext(ctx))
}

// bearerToken returns the token of an `Authorization: Bearer <token>`
// header. HTTP authentication scheme names are case-insensitive, so
// "bearer" is accepted too.
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// requireAccount returns the request's account, or the authentication error
// that every resolver returns for a missing, unknown or revoked key.
func requireAccount(ctx context.Context) (*db.Account, error) {
	result, ok := ctx.Value(authContextKey{}).(*authResult)
	if !ok {
		return nil, errNoAuthContext
	}
	return result.account, result.err
}

// requireContactRequest returns the account, the normalized email and the
// audit actor of a request about one contact's personal data.
func requireContactRequest(ctx context.Context, email string) (*db.Account, string, string, error) {
	account, err := requireAccount(ctx)
	if err != nil {
		return nil, "", "", err
	}
	email, verr := apitype.NormalizeEmail("email", email)
	if verr != nil {
		return nil, "", "", verr
	}
	result := ctx.Value(authContextKey{}).(*authResult)
	return account, email, result.actor, nil
}

// accountIDForLog returns the request's account id when its key was valid,
// and 0 otherwise. It never looks the key up.
func accountIDForLog(ctx context.Context) int64 {
	account, err := requireAccount(ctx)
	if err != nil {
		return 0
	}
	return account.ID
}

// readJSONBody reads a POST body of at most maxRequestBodyBytes that holds
// valid JSON and puts it back on r for gqlgen. Otherwise it sends an error
// with an extensions.code and returns false, so every reply of the endpoint
// carries a code.
func readJSONBody(w http.ResponseWriter, r *http.Request) bool {
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType != "application/json" {
		writeRequestError(w, http.StatusUnsupportedMediaType, apitype.CodeBadUserInput,
			fmt.Sprintf("Content-Type %q is not supported: send the request as application/json, such as {\"query\": \"{ customEvents { slug } }\"}.", r.Header.Get("Content-Type")))
		return false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBodyBytes))
	if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
		writeRequestError(w, http.StatusRequestEntityTooLarge, apitype.CodeBadUserInput,
			fmt.Sprintf("Request body is larger than %d bytes: send fewer inputs per call.", maxRequestBodyBytes))
		return false
	}
	if err != nil {
		writeRequestError(w, http.StatusBadRequest, apitype.CodeBadUserInput, "Request body could not be read: send it again.")
		return false
	}
	if !json.Valid(body) {
		writeRequestError(w, http.StatusBadRequest, apitype.CodeBadUserInput,
			"Request body is not valid JSON: send an object such as {\"query\": \"{ customEvents { slug } }\"}.")
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	return true
}

// getHasMutation reports whether the query parameter of a GET request
// holds a mutation. A query that does not parse is left to gqlgen, which
// reports the syntax error with its code.
func getHasMutation(r *http.Request) bool {
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: r.URL.Query().Get("query")}, maxParserTokens)
	if err != nil {
		return false
	}
	for _, op := range doc.Operations {
		if op.Operation == ast.Mutation {
			return true
		}
	}
	return false
}
