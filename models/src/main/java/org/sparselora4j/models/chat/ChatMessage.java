package org.sparselora4j.models.chat;

/** One message of a conversation: who speaks and what they say. */
public record ChatMessage(Role role, String content) {
    public enum Role {
        SYSTEM, USER, ASSISTANT;

        /** The name templates compare against ({@code "user"}, ...). */
        public String wire() {
            return name().toLowerCase();
        }

        /** The role for a wire name, or null when it is none of the three. */
        public static Role of(String wire) {
            return switch (wire) {
                case "system" -> SYSTEM;
                case "user" -> USER;
                case "assistant" -> ASSISTANT;
                default -> null;
            };
        }
    }

    public ChatMessage {
        if (role == null || content == null) throw new IllegalArgumentException("a message needs a role and a content");
    }
}
