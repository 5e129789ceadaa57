/**
 * LoRA: LoraConfig, the LoRA layer wrapping a frozen projection, merge and unmerge, PEFT adapter files, and the fine-tuning loop.
 */
package org.sparselora4j.lora;
