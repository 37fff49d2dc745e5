package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/annexa-dev/annexa/internal/fault"
)

// argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, 1 lane), which keeps a
// sign-in near 30 ms on a small server while making offline guessing expensive. The parameters
// are stored with each hash, so raising them later re-hashes on the next sign-in.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	saltLen        = 16
)

// Password length limits: long enough for passphrases, short enough that hashing stays cheap.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 256
)

// ValidatePassword checks a new password against the length rules.
func ValidatePassword(v *fault.Validation, field, pw string) {
	n := utf8.RuneCountInString(pw)
	v.Check(n < MinPasswordLen, field, "must be at least %d characters", MinPasswordLen)
	v.Check(len(pw) > MaxPasswordLen, field, "must be at most %d bytes", MaxPasswordLen)
}

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("read salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemoryKiB, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("unrecognised password hash")

// CheckPassword reports whether pw matches the stored hash, in constant time.
func CheckPassword(encoded, pw string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var mem, iter uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iter, &threads); err != nil {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(pw), salt, iter, mem, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash lets a sign-in for an unknown address cost the same as one for a known address,
// so response time does not reveal who has an account.
var dummyHash, _ = HashPassword("annexa-timing-equaliser")

// BurnPasswordCheck spends the time of one password check.
func BurnPasswordCheck(pw string) { _, _ = CheckPassword(dummyHash, pw) }
