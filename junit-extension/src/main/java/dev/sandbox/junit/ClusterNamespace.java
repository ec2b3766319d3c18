package dev.sandbox.junit;

/**
 * The namespace a {@link WithCluster#namespacePerClass()} test class owns.
 *
 * @param name the namespace's name
 */
public record ClusterNamespace(String name) {}
