package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// TokenPrefix marks Annexa API tokens so secret scanners and people recognise them.
const TokenPrefix = "annexa_"

// NewSecret returns 32 random bytes, URL-safe encoded: session ids, CSRF tokens, setup links.
func NewSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		// crypto/rand never fails on supported platforms; if it does, nothing is safe.
		panic("auth: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// NewToken returns a new API token. Only its hash is stored; the token is shown once.
func NewToken() string { return TokenPrefix + NewSecret() }

// LooksLikeToken reports whether s has the shape of an API token.
func LooksLikeToken(s string) bool {
	return strings.HasPrefix(s, TokenPrefix) && len(s) == len(TokenPrefix)+43
}

// HashSecret is how tokens and session ids are stored: a SHA-256 digest. The secrets carry
// 256 bits of entropy, so a fast hash is enough and a stolen database yields nothing usable.
func HashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TokenHint is the part of a token that may be shown again, to tell tokens apart.
func TokenHint(token string) string {
	if len(token) < len(TokenPrefix)+6 {
		return token
	}
	return token[:len(TokenPrefix)+6] + "…"
}
