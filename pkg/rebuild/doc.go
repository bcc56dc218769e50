// Package rebuild is the rebuild of one Konflux-built image from its signed provenance, as a
// library: the command, the kit and tests call the same steps.
//
//	job, err := rebuild.Read(ctx, attestation, cfg)  // verify, decode, choose the task's replay
//	in, err := job.Resolve(ctx)                  // check the source out, read the SBOM, pin images
//	defer in.Close()
//	err = in.Fetch(ctx)                          // pull the pinned images into the store
//	id, err := in.Build(ctx)                     // replay the task's build: the image ID
//	rep, err := in.Compare(ctx, id, nil)         // against the published image
//
// Every decision on the Konflux task is package konflux's; `rebuild plan` takes them through
// the same functions.
package rebuild
