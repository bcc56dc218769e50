// Package docs holds the documentation. Its test checks the examples in docs/examples
// against the rebuild command's flags and the builder image's contract.
package docs
