/** The ordered, listenable event records the dev server keeps for tests and diagnostics. */
package dev.holdline.devserver.events;
