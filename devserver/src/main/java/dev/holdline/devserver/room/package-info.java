/** The rooms the server knows of, created by the RoomService API or implicitly by a dispatch. */
package dev.holdline.devserver.room;
