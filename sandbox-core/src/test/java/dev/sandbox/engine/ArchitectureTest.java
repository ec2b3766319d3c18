package dev.sandbox.engine;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The engine's boundaries, enforced rather than documented: backing services plug in through {@code
 * ServiceLoader} only, and the engine's flow never names a specific service.
 */
@DisplayName("sandbox-core's architecture")
class ArchitectureTest {

  /** Each backing service lives in its own package, reached only through BackingService. */
  static final List<String> SERVICE_PACKAGES =
      List.of("dev.sandbox.postgres..", "dev.sandbox.rabbitmq..");

  private static final JavaClasses CORE =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.sandbox");

  @Test
  void no_class_outside_a_service_package_depends_on_that_service() {
    for (String service : SERVICE_PACKAGES) {
      noClasses()
          .that()
          .resideOutsideOfPackage(service)
          .should()
          .dependOnClassesThat()
          .resideInAPackage(service)
          .because("backing services plug in through ServiceLoader, one package each")
          .check(CORE);
    }
  }

  @Test
  void the_engine_flow_does_not_depend_on_the_front_ends() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.sandbox.cli..", "dev.sandbox.junit..", "picocli..", "org.junit..")
        .because("core is a library; the CLI and the JUnit extension depend on it, not back")
        .check(CORE);
  }

  @Test
  void the_engine_never_prints_or_exits() {
    noClasses()
        .should()
        .accessField(System.class, "out")
        .orShould()
        .accessField(System.class, "err")
        .orShould()
        .callMethod(System.class, "exit", int.class)
        .because("front ends render progress and errors; the engine reports through listeners")
        .check(CORE);
  }
}
