using HomeGateway.Simulator;

return await SimulatorCli.Create().Parse(args).InvokeAsync().ConfigureAwait(false);
