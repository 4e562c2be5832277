import { type DynamicModule, Global, Inject, Module } from '@nestjs/common';
import { Clock, SystemClock } from './clock';
import { type AppConfig } from './config';

export const APP_CONFIG = Symbol('APP_CONFIG');

/** Injects the validated configuration: `constructor(@InjectConfig() config: AppConfig)`. */
export const InjectConfig = (): ParameterDecorator => Inject(APP_CONFIG);

export interface RuntimeOptions {
  config: AppConfig;
  /** The clock to use; the system clock unless a test or the demo moves time. */
  clock?: Clock;
}

/** Configuration and clock for one app, available to all its modules. */
@Global()
@Module({})
export class RuntimeModule {
  static forRoot(options: RuntimeOptions): DynamicModule {
    return {
      module: RuntimeModule,
      providers: [
        { provide: APP_CONFIG, useValue: options.config },
        { provide: Clock, useValue: options.clock ?? new SystemClock() },
      ],
      exports: [APP_CONFIG, Clock],
    };
  }
}
