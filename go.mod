module github.com/annexa-dev/annexa

go 1.26.8

require (
	github.com/BurntSushi/toml v1.6.0
	github.com/CycloneDX/cyclonedx-go v0.12.0
	github.com/package-url/packageurl-go v0.1.7
	golang.org/x/mod v0.43.0
)
