package dev.sandbox.junit;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The JUnit extension is a front end: it uses sandbox-core's public API (package dev.sandbox) only.
 */
class BoundaryTest {

  /** sandbox-core's internal packages; everything public lives in dev.sandbox itself. */
  static final String[] INTERNAL = {
    "dev.sandbox.docker..",
    "dev.sandbox.engine..",
    "dev.sandbox.inspect..",
    "dev.sandbox.k3s..",
    "dev.sandbox.manifest..",
    "dev.sandbox.monitoring..",
    "dev.sandbox.policy..",
    "dev.sandbox.poll..",
    "dev.sandbox.postgres..",
    "dev.sandbox.rabbitmq..",
    "dev.sandbox.service..",
    "dev.sandbox.state.."
  };

  @Test
  void the_extension_reaches_no_internal_package_of_the_engine() {
    noClasses()
        .that()
        .resideInAPackage("dev.sandbox.junit..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(INTERNAL)
        .because("front ends render; the engine's internals may change under them")
        .check(
            new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.sandbox.junit"));
  }
}
