package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"customevents/app/apitype"
	"customevents/db"
)

// errMissingBearerToken is the error for a request whose Authorization
// header is absent or does not carry a Bearer token.
var errMissingBearerToken = fmt.Errorf("authorization header is missing or is not a Bearer token: %w", db.ErrInvalidAPIKey)

// errNoAuthContext means a resolver ran outside Handler, which is a
// wiring bug and not the client's fault.
var errNoAuthContext = errors.New("request context has no API key result: serve GraphQL through NewHandler")

type authContextKey struct{}

// authResult is the account that the request's API key belongs to, or the
// error that looking the key up returned.
type authResult struct {
	account *db.Account
	// actor names the key in audit records, such as api-key:ce_AbCdEfG,
	// or the signed-in member by email.
	actor string
	// logName names the caller in log lines: the key as actor does, or
	// the signed-in member by user id, as in member:7, since logs carry
	// no email.
	logName string
	err     error
}

// Handler is the GraphQL endpoint. It reads the request, looks up its API
// key once, before GraphQL execution, and stores the result in the request
// context for the resolvers. It rejects a request without a valid key
// before gqlgen parses its document, unless the request has no
// Authorization header and the document is an introspection query.
type Handler struct {
	store  *db.Store
	log    *slog.Logger
	next   http.Handler
	limits *accountLimits
}

type requestIDKey struct{}

// requestID returns the id of the request that ctx belongs to, as the
// response's X-Request-Id header has it, or "" when it has none.
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The server's request id middleware has set the header on the
	// response already, so the log lines of errors can name it.
	r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, w.Header().Get("X-Request-Id")))
	query, ok := readQuery(w, r)
	if !ok {
		return
	}

	result := &authResult{err: errMissingBearerToken}
	if signedIn, ok := r.Context().Value(authContextKey{}).(*authResult); ok && signedIn.err == nil {
		result = signedIn
	} else if key, ok := bearerToken(r.Header.Get("Authorization")); ok {
		result.account, result.err = h.store.CachedAccountByAPIKey(r.Context(), key)
		result.actor = db.APIKeyActor(key)
		result.logName = result.actor
	}
	// Only a request without an Authorization header may introspect
	// without a key: a client that sends a wrong or revoked key learns so
	// from any document, also from the { __typename } that clients send
	// to check their credentials.
	if result.err != nil && (r.Header.Get("Authorization") != "" || !isIntrospectionQuery(query)) {
		h.rejectKey(w, r, result.err)
		return
	}
	if result.err == nil && !h.limits.allow(r.Context(), result.account.ID, result.logName) {
		writeRateLimited(w)
		return
	}

	if r.Method == http.MethodGet && getHasMutation(query) {
		w.Header().Set("Allow", "POST")
		writeRequestError(w, http.StatusMethodNotAllowed, apitype.CodeBadUserInput,
			"Mutations cannot be sent with GET: send them with POST and a JSON body.")
		return
	}
	ctx := context.WithValue(r.Context(), authContextKey{}, result)
	h.next.ServeHTTP(w, r.WithContext(ctx))
}

// WithSignedInAccount returns ctx for a request that the admin API has
// already authenticated with a session: the handler of NewHandler then
// serves it for account without an API key. The member's email names the
// member in audit records, and the user id in log lines.
func WithSignedInAccount(ctx context.Context, account *db.Account, email string, userID int64) context.Context {
	return context.WithValue(ctx, authContextKey{}, &authResult{
		account: account,
		actor:   email,
		logName: "member:" + strconv.FormatInt(userID, 10),
	})
}

// Close logs the rate-limited requests that wait for their account's next
// log line, and stops the timers that would log them. Call it once the
// http.Server has shut down.
func (h *Handler) Close() {
	h.limits.close()
}

// rejectKey sends the error reply to a request whose API key lookup
// returned err: 401 for a missing, unknown or revoked key, and 500 when the
// lookup itself failed.
func (h *Handler) rejectKey(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, errMissingBearerToken):
		w.Header().Set("WWW-Authenticate", "Bearer")
		writeRequestError(w, http.StatusUnauthorized, apitype.CodeUnauthenticated, missingKeyMessage)
	case errors.Is(err, db.ErrInvalidAPIKey):
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeRequestError(w, http.StatusUnauthorized, apitype.CodeUnauthenticated, invalidKeyMessage)
	default:
		h.log.ErrorContext(r.Context(), "API key lookup failed", "error", err, "request_id", requestID(r.Context()))
		writeRequestError(w, http.StatusInternalServerError, apitype.CodeInternal, internalMessage)
	}
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
	email, verr := apitype.LookupEmail("email", email)
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
