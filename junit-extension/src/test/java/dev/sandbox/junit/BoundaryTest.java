package dev.sandbox.junit;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The JUnit extension is a front end: of sandbox-core it uses the public API only — `dev.sandbox`
 * and the stack model in `dev.sandbox.stack`. Every other package of the engine is internal,
 * including ones added later, so the rule lists what is allowed rather than what is not.
 */
class BoundaryTest {

  @Test
  void the_extension_reaches_only_the_public_api_of_the_engine() {
    noClasses()
        .should()
        .dependOnClassesThat(
            resideInAPackage("dev.sandbox..")
                .and(
                    not(
                        resideInAnyPackage(
                            "dev.sandbox", "dev.sandbox.stack", "dev.sandbox.junit.."))))
        .because("front ends render; the engine's internals may change under them")
        .check(
            new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.sandbox.junit"));
  }
}
