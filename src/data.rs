//! Data: the course's coffee-roasting set, CSV files, normalisation.
