import NNCRuntime
