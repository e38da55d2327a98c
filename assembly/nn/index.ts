// Neural-network kernels of the VAEs (layers, activations, losses, optimiser, initialisation).
export * from "./dense";
export * from "./conv";
export * from "./act";
export * from "./loss";
export * from "./adam";
export * from "./init";
