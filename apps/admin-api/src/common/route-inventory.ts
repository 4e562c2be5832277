import { type INestApplication, RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { ModulesContainer, Reflector } from '@nestjs/core';
import { type AccessDeclaration, readAccessDeclaration } from '@alem/access';
import { servedPath } from '../api-prefix';

/** One HTTP route as Nest mounted it, with what it declares about access and its validated inputs. */
export interface RouteInfo {
  method: string;
  /** Express-style path as served, with the API prefix: `/api/v1/alerts/:id/acknowledge`. */
  path: string;
  controller: string;
  handler: string;
  access: AccessDeclaration;
  /** Inputs (`body`, `query`, `param`) and whether each has a zod DTO. */
  inputs: Array<{ type: string; validated: boolean }>;
}

const PARAM_TYPES: Record<number, string> = { 3: 'body', 4: 'query', 5: 'param' };

function joinPath(...parts: string[]): string {
  const joined = `/${parts.join('/')}`.replace(/\/+/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}

/**
 * Every route of the application, from the controllers Nest registered: what the access-declaration test,
 * the 401/403 sweep and the OpenAPI completeness test all walk, so none of them keeps its own list.
 */
export function listRoutes(app: INestApplication): RouteInfo[] {
  const reflector = new Reflector();
  const routes: RouteInfo[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type<unknown> | null;
      if (!controller) continue;
      const base = ([] as string[]).concat(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      const proto = controller.prototype as Record<string, unknown>;
      const names = new Set<string>();
      for (let p: object | null = proto; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
        for (const name of Object.getOwnPropertyNames(p)) if (name !== 'constructor') names.add(name);
      }
      for (const name of names) {
        const handler = proto[name];
        if (typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        const paths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        if (method === undefined || paths === undefined) continue;
        const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {}) as Record<
          string,
          { index: number }
        >;
        const paramTypes = (Reflect.getMetadata('design:paramtypes', proto, name) ?? []) as unknown[];
        const inputs = Object.entries(args)
          .map(([key, { index }]) => ({ type: PARAM_TYPES[Number(key.split(':')[0])], index }))
          .filter((a): a is { type: string; index: number } => a.type !== undefined)
          .map(({ type, index }) => ({
            type,
            validated: (paramTypes[index] as { isZodDto?: boolean } | undefined)?.isZodDto === true,
          }));
        for (const b of base) {
          for (const p of ([] as string[]).concat(paths)) {
            routes.push({
              method: RequestMethod[method],
              path: servedPath(joinPath(b, p)),
              controller: controller.name,
              handler: name,
              access: readAccessDeclaration(
                reflector,
                handler as Parameters<Reflector['getAllAndOverride']>[1][number],
                controller,
              ),
              inputs,
            });
          }
        }
      }
    }
  }
  return routes.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}
