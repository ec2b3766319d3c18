package dev.sandbox.cli;

import java.io.PrintWriter;
import picocli.CommandLine;

/** Builds the {@link CommandLine} for {@code main} and for tests alike. */
final class Cli {

  private Cli() {}

  static CommandLine create(Environment environment, PrintWriter out, PrintWriter err) {
    SandboxCommand top = new SandboxCommand(environment);
    CommandLine cli = new CommandLine(top, new Factory(top));
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler(new ErrorHandler());
    cli.setExitCodeExceptionMapper(error -> ErrorHandler.codeFor(error).code());
    cli.setParameterExceptionHandler(
        (error, args) -> {
          CommandLine command = error.getCommandLine();
          command
              .getErr()
              .println(command.getColorScheme().errorText("error: " + error.getMessage()));
          if (!CommandLine.UnmatchedArgumentException.printSuggestions(error, command.getErr())) {
            command
                .getErr()
                .println("See `" + command.getCommandSpec().qualifiedName() + " --help`.");
          }
          return ExitCode.USAGE.code();
        });
    cli.getCommandSpec()
        .usageMessage()
        .footer(
            String.format(
                    String.join("%n", cli.getCommandSpec().usageMessage().footer()),
                    ExitCode.help())
                .split("\n"));
    cli.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(false);
    return cli;
  }

  /** Hands the resolved environment to every command. */
  private record Factory(SandboxCommand top) implements CommandLine.IFactory {
    @Override
    public <K> K create(Class<K> type) throws Exception {
      if (type == SandboxCommand.class) {
        return type.cast(top);
      }
      return CommandLine.defaultFactory().create(type);
    }
  }
}
