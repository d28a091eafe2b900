"""The judge: how answers are read and scored the way a hiring committee reads them."""
