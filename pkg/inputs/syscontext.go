package inputs

import (
	"os"

	"go.podman.io/image/v5/types"
)

// WithRegistriesConf returns a copy of sys that names the registries.conf given by
// CONTAINERS_REGISTRIES_CONF (or REGISTRIES_CONFIG_PATH) unless sys names one: podman and
// buildah honour these variables, containers/image alone does not.
func WithRegistriesConf(sys *types.SystemContext) *types.SystemContext {
	out := &types.SystemContext{}
	if sys != nil {
		*out = *sys
	}
	if out.SystemRegistriesConfPath != "" {
		return out
	}
	for _, env := range []string{"CONTAINERS_REGISTRIES_CONF", "REGISTRIES_CONFIG_PATH"} {
		if path, ok := os.LookupEnv(env); ok {
			out.SystemRegistriesConfPath = path
			break
		}
	}
	return out
}
