//! What a network is: the activations `g` and `g'` (with softmax), the
//! losses, and the network itself (`Dense` layers, initialisation, the
//! parameter view). Nothing here runs a network over a batch: that is
//! [`crate::paths`].
//!
//! | module | holds |
//! | --- | --- |
//! | [`activation`] | `g(z)` and `g'` side by side, softmax |
//! | [`loss`] | the losses with Keras' reductions, and the output layer's `dZ` |
//! | [`network`] | `Dense`, `Network`, Glorot initialisation, the parameter view |

pub mod activation;
pub mod loss;
pub mod network;
