/** LiveKit-style prefixed random identifiers for workers, jobs, dispatches and rooms. */
package dev.holdline.devserver.ids;
