import { fakeBackend } from '../helpers/aws-backend.js';
import { defineScenarios } from './scenarios.js';

defineScenarios('lbmanager fake-aws', fakeBackend);
