//! Model files: JSON in Keras' layout.
