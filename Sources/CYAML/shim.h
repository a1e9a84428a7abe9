// libyaml's C API (event parser), for NNCSpec's YAML reader only.
#include <yaml.h>
