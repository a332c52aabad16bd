//! Training: gradient descent (`fit`) on either path.
