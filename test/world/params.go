package world

// Params are Tekton task parameters: each value is a string or a []string.
type Params map[string]any

// buildahOCITaDefaults are the parameter defaults of Konflux's buildah-oci-ta 0.8 task.
// IMAGE and SOURCE_ARTIFACT have none: the pipeline always sets them.
var buildahOCITaDefaults = Params{
	"ACTIVATION_KEY":                 "activation-key",
	"ADDITIONAL_BASE_IMAGES":         []string{},
	"ADDITIONAL_SECRET":              "does-not-exist",
	"ADD_CAPABILITIES":               "",
	"ANNOTATIONS":                    []string{},
	"ANNOTATIONS_FILE":               "",
	"BUILDAH_FORMAT":                 "oci",
	"BUILD_ARGS":                     []string{},
	"BUILD_ARGS_FILE":                "",
	"BUILD_TIMESTAMP":                "",
	"CACHI2_ARTIFACT":                "",
	"COMMIT_SHA":                     "",
	"CONTEXT":                        ".",
	"CONTEXTUALIZE_SBOM":             "true",
	"DOCKERFILE":                     "./Dockerfile",
	"ENTITLEMENT_SECRET":             "etc-pki-entitlement",
	"ENV_VARS":                       []string{},
	"HERMETIC":                       "false",
	"HTTP_PROXY":                     "",
	"ICM_KEEP_COMPAT_LOCATION":       "true",
	"IMAGE_EXPIRES_AFTER":            "",
	"INHERIT_BASE_IMAGE_LABELS":      "true",
	"LABELS":                         []string{},
	"NO_PROXY":                       "",
	"OMIT_HISTORY":                   "false",
	"PREFETCH_INPUT":                 "",
	"PRIVILEGED_NESTED":              "false",
	"PROXY_CA_TRUST_CONFIG_MAP_KEY":  "ca-bundle.crt",
	"PROXY_CA_TRUST_CONFIG_MAP_NAME": "caching-ca-bundle",
	"REWRITE_TIMESTAMP":              "false",
	"SBOM_SKIP_VALIDATION":           "true",
	"SBOM_SOURCE_SCAN_ENABLED":       "true",
	"SBOM_SYFT_SELECT_CATALOGERS":    "",
	"SBOM_TYPE":                      "spdx",
	"SKIP_INJECTIONS":                "false",
	"SKIP_SBOM_GENERATION":           "false",
	"SKIP_UNUSED_STAGES":             "true",
	"SOURCE_DATE_EPOCH":              "",
	"SOURCE_URL":                     "",
	"SQUASH":                         "false",
	"STORAGE_DRIVER":                 "overlay",
	"TARGET_STAGE":                   "",
	"TLSVERIFY":                      "true",
	"WORKINGDIR_MOUNT":               "",
	"YUM_REPOS_D_FETCHED":            "fetched.repos.d",
	"YUM_REPOS_D_SRC":                "repos.d",
	"YUM_REPOS_D_TARGET":             "/etc/yum.repos.d",
	"caTrustConfigMapKey":            "ca-bundle.crt",
	"caTrustConfigMapName":           "trusted-ca",
}

// Overlay returns a copy of p with every entry of over set on top; a nil entry removes the
// parameter (one an older task version did not have).
func (p Params) Overlay(over Params) Params {
	out := Params{}
	for k, v := range p {
		out[k] = v
	}
	for k, v := range over {
		if v == nil {
			delete(out, k)
			continue
		}
		out[k] = v
	}
	return out
}

// String returns the string value of name, "" when absent or an array.
func (p Params) String(name string) string {
	s, _ := p[name].(string)
	return s
}

// Array returns the array value of name, nil when absent or a string.
func (p Params) Array(name string) []string {
	a, _ := p[name].([]string)
	return a
}
